"""Demo reviews: the demo's played gigs reviewed in every state a review can be in.

Published both ways (one with the band's reply), one waiting for the other side (a gig of last week,
so its band's leader finds it under "Reviews to write"), one hidden by staff with a reason, one
reported by a visitor, a no-show report waiting for staff, and the client's private rating by a band
she has asked again (The Night Owls' leader reads it on her pending birthday request).

Every review goes through reviews.services with `now=` set to a day or two after its gig, so the
double-blind rule publishes them as it would have. Runs once: skipped when a demo gig has a review.
"""

import datetime as dt
import logging

from django.db.models import Max

from accounts.models import Notification, User
from bookings.models import Booking
from reviews.models import Review
from reviews.selectors import window_closes
from reviews.services import (
    ReviewError,
    ReviewInput,
    review_hide,
    review_reply,
    review_report,
    review_save,
    reviews_publish_due,
)

from .bookings import DEMO_BANDS, READ_AFTER

logger = logging.getLogger(__name__)

OF_BAND = ("performance", "punctuality", "communication")
OF_VENUE = ("sound", "hospitality", "paid", "communication")
OF_CLIENT = ("communication", "paid")


def _stars(overall: int, names: tuple[str, ...], *, low: str = "", again: bool = True, text: str) -> ReviewInput:
    """`overall` stars, each sub-rating the same but `low` one star less."""
    ratings = {name: max(1, overall - (name == low)) for name in names}
    return ReviewInput(text=text, overall=overall, ratings=ratings, again=again)


class _Reviews:
    def __init__(self, *, now: dt.datetime) -> None:
        self.now = now
        self.people = {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="@demo.stageslot.test")}
        played = Booking.objects.filter(status=Booking.Status.COMPLETED, band__slug__in=DEMO_BANDS)
        self.gigs = {
            (b.band.slug, b.venue.slug if b.venue_id else b.event_type): b
            for b in played.select_related("band", "venue", "client").order_by("starts_at")
        }

    def gig(self, band: str, where: str) -> Booking | None:
        gig = self.gigs.get((band, where))
        if gig is None:
            logger.warning("Demo reviews: no played gig of %s at %s", band, where)
        return gig

    def recent_kellerbar(self) -> Booking | None:
        """The gig at Kellerbar within the review window (demo_bookings' kellerbar_last_week)."""
        recent = [
            g
            for (_band, where), g in self.gigs.items()
            if where == "kellerbar" and window_closes(g) > self.now + dt.timedelta(days=1)
        ]
        if not recent:
            logger.warning("Demo reviews: no gig at Kellerbar last week")
        return recent[-1] if recent else None

    def write(self, gig: Booking, who: str, data: ReviewInput, *, after_days: float) -> Review | None:
        """`who` writes their side's review `after_days` after the gig, if the window was open then."""
        when = gig.ends_at + dt.timedelta(days=after_days)
        if when >= min(self.now, window_closes(gig)):
            return None
        return review_save(booking=gig, by=self.people[who], data=data, now=when)

    def tell(self) -> None:
        p = self.people
        # Kellerbar's Friday Late Show: The Night Owls headlined, Velours supported.
        if owls := self.gig("the-night-owls", "kellerbar"):
            of_owls = self.write(owls, "kellerbar-booker", _stars(5, OF_BAND, low="punctuality", text=(
                "Packed room, a set that never let up, and they stayed to help clear the stage. Load-in ran "
                "twenty minutes late, which we forgive for a night like that.")), after_days=1)  # fmt: skip
            self.write(owls, "mara", _stars(4, OF_VENUE, low="sound", text=(
                "Lovely crew and fair money, paid the same night. The monitors were muddy for the first "
                "songs; sorted by the third.")), after_days=2)  # fmt: skip
            if of_owls is not None:
                of_owls.refresh_from_db()
                if of_owls.is_public:
                    review_reply(review=of_owls, by=p["mara"], text="Thank you, Kellerbar – and sorry about the "
                                 "load-in, the U-Bahn had other plans. See you in spring!",
                                 now=owls.ends_at + dt.timedelta(days=3))  # fmt: skip
        if velours := self.gig("velours", "kellerbar"):
            of_velours = self.write(velours, "kellerbar-booker", _stars(4, OF_BAND, low="communication", text=(
                "A dreamy opening set that the early crowd loved. Emails took a while to come back before the "
                "show.")), after_days=1)  # fmt: skip
            self.write(velours, "zoe", _stars(5, OF_VENUE, text=(
                "A proper rock club that looked after a synth band: clean sound, hot food, and the fee on the "
                "night.")), after_days=1.5)  # fmt: skip
            if of_velours is not None:
                of_velours.refresh_from_db()
                if of_velours.is_public:
                    review_report(review=of_velours, by=p["client"], reason="It says they answered slowly, but "
                                  "the band told me the venue changed the date twice.")  # fmt: skip
        # Private events of the demo client: she rates the bands, the bands rate her (privately).
        if launch := self.gig("the-night-owls", "Book launch"):
            self.write(launch, "client", _stars(5, OF_BAND, text=(
                "They read the room perfectly – quiet between the readings, then everyone was dancing among "
                "the bookshelves.")), after_days=1)  # fmt: skip
            self.write(launch, "mara", _stars(4, OF_CLIENT, low="paid", text=(
                "Clear brief, kind hosts, good sound-check time. The fee came a week after the event rather "
                "than on the night.")), after_days=2)  # fmt: skip
        if party := self.gig("brass-and-bones", "Office party"):
            self.write(party, "client", _stars(5, OF_BAND, text=(
                "Nine people, three horns, zero empty dance floor. Our team is still talking about it.")),
                after_days=2)  # fmt: skip
            self.write(party, "sam", _stars(3, OF_CLIENT, low="paid", again=True, text=(
                "Friendly and well organised on the day, but the schedule changed twice in the last week and "
                "the fee came three weeks late.")), after_days=3)  # fmt: skip
        # Sala Aurora: the venue's review of Luz de Madrugada broke the rules and staff hid it.
        if luz := self.gig("luz-de-madrugada", "sala-aurora"):
            of_luz = self.write(luz, "aurora-owner", _stars(2, OF_BAND, low="punctuality", again=False, text=(
                "The singer's partner was rude to our bar staff all night and we will not forget it; the band "
                "was fine.")), after_days=1)  # fmt: skip
            self.write(luz, "lucia", _stars(5, OF_VENUE, text=(
                "Beautiful room with a warm, attentive team. The best sound we have had in Madrid.")),
                after_days=1)  # fmt: skip
            if of_luz is not None:
                review_hide(review=of_luz, by=p["staff"], reason="It is about a person who was not part of the "
                            "booking, not about the band's gig.", now=luz.ends_at + dt.timedelta(days=4))  # fmt: skip
        # The Lantern reported a no-show; staff have not decided yet. The band's review went out alone.
        if harbour := self.gig("grey-harbour", "the-lantern"):
            self.write(harbour, "lantern-owner", ReviewInput(
                text="Only the singer turned up, forty minutes late; the rest of the band never came.", no_show=True),
                after_days=0.5)  # fmt: skip
        # The Low End Theory at the Blue Room: the band wrote, the venue did not (published when the window closed).
        if theory := self.gig("the-low-end-theory", "blue-room"):
            self.write(theory, "olu", _stars(5, OF_VENUE, text=(
                "Historic room, generous green room, and a sound engineer who knew exactly what a live hip-hop "
                "band needs.")), after_days=1)  # fmt: skip
        # Last week at Kellerbar: the venue has written, Brass & Bones still have to (it waits for them).
        if horns := self.recent_kellerbar():
            self.write(horns, "kellerbar-owner", _stars(5, OF_BAND, text=(
                "Tight, loud in the best way and on time to the minute. Our Thursday crowd asks when they come "
                "back.")), after_days=1)  # fmt: skip
        reviews_publish_due(now=self.now)


def seed_reviews(*, now: dt.datetime) -> None:
    """Review the demo's played gigs, once (skipped when one of them has a review)."""
    if Review.objects.filter(band__slug__in=DEMO_BANDS).exists():
        return
    since = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
    try:
        _Reviews(now=now).tell()
    except (KeyError, ReviewError) as exc:
        logger.warning("Demo reviews: stopped early: %s", exc)
    # The demo people have no real mailboxes; what is more than a week old they have read.
    new = Notification.objects.filter(pk__gt=since)
    new.filter(email_state=Notification.Email.PENDING).update(email_state=Notification.Email.SKIPPED)
    new.filter(created_at__lt=now - READ_AFTER).update(read_at=now)
