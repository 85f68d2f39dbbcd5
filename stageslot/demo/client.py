"""Demo data of the client's journey: packages on two demo bands (two of them instant), and the demo
client's gigs through their life – an instant booking with new times proposed, a request made in the
guided steps, a gig in progress right now, a disputed one, and files shared on a booking.

Everything goes through the services with `now=` set to when it happened, so the history reads right.
Runs once: skipped when the demo band already has packages.
"""

import datetime as dt
import io
import logging
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image, ImageDraw

from accounts.models import Notification, User
from bands.models import Band, Membership, Package
from bands.packages import package_price
from bookings.errors import BookingError
from bookings.models import Booking
from bookings.selectors.strip import band_strip, start_fits
from bookings.services import asking, files, life, periodic, reschedule
from bookings.services.instant import booking_instant
from stageslot.demo.festivals import festival_days

logger = logging.getLogger(__name__)

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")

# band slug: [(name, included, sets, set minutes, price, unit, travel km, travel fee, instant)]
PACKAGES = {
    "the-night-owls": [
        ("Party set", "Two sets of indie and rock covers and our own songs; PA for 150 guests.", 2, 45, 1200,
         "fixed", 50, None, True),
        ("Wedding evening", "Ceremony song, dinner set, three dance sets; first dance learned on request.", 3, 45,
         300, "hour", None, 120, False),
    ],
    "brass-and-bones": [
        ("Funk reception", "A horn-led hour of funk and soul for receptions and openings.", 1, 60, 400, "hour", 30,
         None, True),
    ],
}  # fmt: skip

RIDER = b"""%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj
trailer << /Root 1 0 R >>
%%EOF
"""
SET_LIST = "\n".join(
    ["The Night Owls – party set", "", "Set 1", "1. Last Train Home", "2. Kreuzberg Lights", "3. Paper Moon", "",
     "Set 2", "1. Ghost Frequencies", "2. Harmony Street", "3. Encore: Owls at Dawn"]
).encode()  # fmt: skip


def _stage_plot() -> bytes:
    image = Image.new("RGB", (600, 400), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 580, 380), outline="black", width=3)
    for x, label in ((100, "Vox/Gtr"), (250, "Bass"), (400, "Keys")):
        draw.ellipse((x - 30, 250, x + 30, 310), outline="black", width=2)
        draw.text((x - 25, 320), label, fill="black")
    draw.rectangle((230, 80, 370, 180), outline="black", width=2)
    draw.text((270, 120), "Drums", fill="black")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


class _Journey:
    def __init__(self, *, now: dt.datetime) -> None:
        self.now = now
        self.client = User.objects.filter(email="client@demo.stageslot.test").first()
        self.bands = {b.slug: b for b in Band.objects.filter(slug__in=PACKAGES)}
        self.leaders = {
            m.band.slug: m.user
            for m in Membership.objects.filter(band__slug__in=PACKAGES, role=Membership.Role.LEADER).select_related(
                "band", "user"
            )
        }
        self.packages: dict[str, Package] = {}

    def ready(self) -> bool:
        return self.client is not None and len(self.bands) == len(PACKAGES) and len(self.leaders) == len(PACKAGES)

    def add_packages(self) -> None:
        for slug, rows in PACKAGES.items():
            band = self.bands[slug]
            for position, (name, included, sets, minutes, price, unit, km, fee, instant) in enumerate(rows, start=1):
                self.packages[name] = Package.objects.create(
                    band=band, name=name, included=included, sets=sets, set_minutes=minutes, price=price,
                    price_unit=unit, currency=band.currency, travel_included_km=km, travel_fee=fee, instant=instant,
                    position=position,
                )  # fmt: skip

    def first_start(self, band: Band, package: Package, *, weeks_from: int, at: str = "20:00") -> dt.datetime:
        """The first free evening start (or any free start) of `band` for `package` from `weeks_from` on."""
        first = self.now.astimezone(BERLIN).date() + dt.timedelta(weeks=weeks_from)
        strip = band_strip(
            band=band, length=dt.timedelta(minutes=package.length_minutes), viewer_zone="Europe/Berlin",
            first_day=first, weeks=6, now=self.now,
        )  # fmt: skip
        # A time the band is asked for already (an offer or request still open) would decline that booking
        # the moment this one is booked: the demo keeps both, so such times are passed over.
        length = dt.timedelta(minutes=package.length_minutes)
        asked = list(
            Booking.objects.filter(band=band, status=Booking.Status.PENDING).values_list("starts_at", "ends_at")
        )

        # The festival's evenings, seeded later, book The Night Owls: a request on one of them would be declined
        # the moment the festival is made, and the client's story would lose its open request on that date.
        taken = festival_days(now=self.now)

        def open_time(start: dt.datetime) -> bool:
            if start.astimezone(BERLIN).date() in taken:
                return False
            return not any(s < start + length and start < e for s, e in asked)

        for day in strip.days:
            for start in day.starts:
                if start.value == at and open_time(start.at):
                    return start.at
        for day in strip.days:
            for start in reversed(day.starts):
                if open_time(start.at):
                    return start.at
        raise ValidationError(f"no free start for {band.name}")

    def instant_with_new_times(self) -> None:
        band, package = self.bands["the-night-owls"], self.packages["Party set"]
        starts_at = self.first_start(band, package, weeks_from=3)
        booking = booking_instant(
            band=band, package=package, client=self.client, starts_at=starts_at, price=package_price(package),
            event_type="Birthday", location="Charlotte's garden, Zehlendorf", guests=60, setting="outdoor",
            power_notes="Two outdoor sockets by the terrace", load_in_notes="Gate on the side street; no stairs",
            message="My 40th – lots of dancing please!", now=self.now - dt.timedelta(days=2),
        )  # fmt: skip
        later = self.first_start(band, package, weeks_from=5)
        reschedule.reschedule_propose(
            booking=booking, by=self.client, starts_at=later, ends_at=later + (booking.ends_at - booking.starts_at),
            reason="The forecast says rain all weekend; could we move to two weeks later?", now=self.now,
        )  # fmt: skip
        leader = self.leaders["the-night-owls"]
        for title, kind, name, body, by in (
            ("Technical rider", "rider", "night-owls-rider.pdf", RIDER, leader),
            ("Stage plot", "stage_plot", "stage-plot.png", _stage_plot(), leader),
            ("Set list", "set_list", "set-list.txt", SET_LIST, leader),
            ("Garden plan and contract", "contract", "contract.pdf", RIDER, self.client),
        ):
            files.booking_file_add(
                booking=booking, by=by, upload=SimpleUploadedFile(name, body), title=title, kind=kind
            )

    def wizard_request(self) -> None:
        band, package = self.bands["the-night-owls"], self.packages["Wedding evening"]
        starts_at = self.first_start(band, package, weeks_from=8, at="18:00")
        minutes = 300
        asking.booking_request(
            band=band, client=self.client, starts_at=starts_at, ends_at=starts_at + dt.timedelta(minutes=minutes),
            time_zone=band.time_zone, event_type="Wedding", location="Gut Sarnow, Brandenburg", guests=120,
            fee=package_price(package, minutes=minutes), package=package, setting="indoor",
            power_notes="Three-phase power in the barn", load_in_notes="Vans can drive up to the barn door",
            message="Our wedding: dinner music, then dancing until late.", now=self.now - dt.timedelta(days=1),
        )  # fmt: skip

    def _any_band_free(self, starts: list[dt.datetime], length: dt.timedelta, booked_on: dt.datetime):
        """The first (band, start) among the demo bands and `starts` at which the band was free."""
        bands = [self.bands["brass-and-bones"], *Band.objects.filter(status="approved").order_by("pk")]
        for band in bands:
            for starts_at in starts:
                if start_fits(band=band, starts_at=starts_at, length=length, now=booked_on):
                    return band, starts_at
        raise ValidationError("no demo band is free then")

    def _package_of(self, band: Band) -> Package:
        """The band's instant reception package (added for a band that has none)."""
        found = Package.objects.filter(band=band, instant=True).first()
        return found or Package.objects.create(
            band=band, name="Reception set", included="An hour of music for a reception or an opening.", sets=1,
            set_minutes=60, price=350, price_unit="hour", currency=band.currency, instant=True, position=9,
        )  # fmt: skip

    def in_progress_today(self) -> None:
        booked_on = self.now - dt.timedelta(days=12)
        minutes = 240
        rounded = self.now.replace(minute=self.now.minute - self.now.minute % 15, second=0, microsecond=0)
        # The latest quarter hour before now at which a demo band was free for the reception: at most two hours
        # back, so that the gig is still on for two hours after the seed (a copy of the seeded world is used for
        # an hour: stageslot/tests/demo_once.py).
        starts = [rounded - dt.timedelta(minutes=back) for back in range(15, 121, 15)]
        band, starts_at = self._any_band_free(starts, dt.timedelta(minutes=minutes), booked_on)
        package = self._package_of(band)
        booking_instant(
            band=band, package=package, client=self.client, starts_at=starts_at, minutes=minutes,
            price=package_price(package, minutes=minutes), event_type="Corporate",
            location="Gallery opening, Auguststraße", guests=200, setting="indoor", now=booked_on,
        )  # fmt: skip
        periodic.bookings_start(now=self.now)

    def disputed(self) -> None:
        booked_on = self.now - dt.timedelta(days=30)
        starts = [
            dt.datetime.combine((self.now - dt.timedelta(days=days_ago)).astimezone(BERLIN).date(), at, tzinfo=BERLIN)
            for days_ago in range(3, 7)
            for at in (dt.time(19, 0), dt.time(13, 0))
        ]
        band, starts_at = self._any_band_free(starts, dt.timedelta(hours=1), booked_on)
        package = self._package_of(band)
        booking = booking_instant(
            band=band, package=package, client=self.client, starts_at=starts_at, price=package_price(package),
            event_type="Private party", location="Rooftop bar, Friedrichshain", guests=80, now=booked_on,
        )  # fmt: skip
        periodic.bookings_complete(now=booking.ends_at + dt.timedelta(minutes=5))
        life.booking_dispute(
            booking=booking, by=self.client, now=self.now - dt.timedelta(days=2),
            reason="The band arrived an hour late and played 30 minutes instead of the hour booked.",
        )  # fmt: skip


def seed_client_journey(*, now: dt.datetime) -> None:
    """The client journey's demo, once (skipped when the demo band has packages already)."""
    journey = _Journey(now=now)
    if not journey.ready():
        logger.warning("Demo client journey: skipped, the demo bands or the demo client are missing")
        return
    if Package.objects.filter(band__slug__in=PACKAGES).exists():
        return
    since = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    journey.add_packages()
    for story in (journey.instant_with_new_times, journey.wizard_request, journey.in_progress_today, journey.disputed):
        try:
            with transaction.atomic():
                story()
        except (BookingError, ValidationError) as exc:
            logger.warning("Demo client journey: skipped %s: %s", story.__name__, exc)
    # The demo people have no real mailboxes: their notifications stay in the app.
    Notification.objects.filter(pk__gt=since, email_state=Notification.Email.PENDING).update(
        email_state=Notification.Email.SKIPPED
    )
