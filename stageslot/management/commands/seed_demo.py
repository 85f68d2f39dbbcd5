"""Load a small, believable demo world. Safe to run again: nothing is duplicated."""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.policy import policy_version
from bands.models import ApprovalStatus, Band, BandEmbed, BandInvite, BandPhoto, Genre, Membership
from core.web.site import site_url
from documents.pdf import pdf_unavailable
from stageslot.demo.availability import seed_availability
from stageslot.demo.big_band import seed_big_band
from stageslot.demo.bookings import seed_bookings
from stageslot.demo.calendars import seed_calendars
from stageslot.demo.client import seed_client_journey
from stageslot.demo.contracts import seed_contracts
from stageslot.demo.conversations import seed_conversations
from stageslot.demo.daysheets import seed_day_sheets
from stageslot.demo.fans import seed_fans
from stageslot.demo.festivals import seed_festivals
from stageslot.demo.history import seed_history
from stageslot.demo.holds import seed_holds
from stageslot.demo.images import demo_picture
from stageslot.demo.invoices import seed_invoices
from stageslot.demo.lineups import seed_lineups
from stageslot.demo.payments import seed_payments
from stageslot.demo.people import demo_people_settle, password_hash_once
from stageslot.demo.quotes import seed_quotes
from stageslot.demo.reviews import seed_reviews
from stageslot.demo.shows import seed_shows
from stageslot.demo.teams import seed_teams
from stageslot.demo.tours import seed_tour, seed_tour_today, seed_tour_venues
from venues.models import Stage, Venue, VenueInvite, VenuePhoto, VenueStaff

DEMO_PASSWORD = "stageslot-demo"  # noqa: S105 - demo accounts only, printed on purpose

GENRES = ["Rock", "Indie", "Jazz", "Funk", "Soul", "Folk", "Electronic", "Blues", "Pop", "Metal", "Punk", "Hip hop"]

# (email local part, display name, time zone)
MUSICIANS = [
    ("mara", "Mara Lindqvist", "Europe/Berlin"),
    ("jonas", "Jonas Weber", "Europe/Berlin"),
    ("ayla", "Ayla Demir", "Europe/Berlin"),
    ("theo", "Theo Brandt", "Europe/Berlin"),
    ("sam", "Sam Rivera", "Europe/Berlin"),
    ("lucia", "Lucía Ortega", "Europe/Madrid"),
    ("pablo", "Pablo Núñez", "Europe/Madrid"),
    ("ines", "Inés Romero", "Europe/Madrid"),
    ("olu", "Olu Adeyemi", "Europe/London"),
    ("grace", "Grace Whitfield", "Europe/London"),
    ("finn", "Finn O'Connell", "Europe/London"),
    ("hana", "Hana Sato", "Europe/London"),
    ("marcus", "Marcus Bell", "America/New_York"),
    ("dani", "Dani Kowalski", "America/New_York"),
    ("ray", "Ray Thompson", "America/New_York"),
    ("zoe", "Zoë Laurent", "Europe/Paris"),
    ("emile", "Émile Girard", "Europe/Paris"),
    ("nora", "Nora Haddad", "Europe/Paris"),
    ("kai", "Kai Jensen", "Europe/Copenhagen"),
    ("liv", "Liv Nielsen", "Europe/Copenhagen"),
]

# Who reads StageSlot in a language of their own (their pages, emails and notifications): one person (at least)
# in each language StageSlot speaks, named in the README; the others follow their browser.
DEMO_LANGUAGES = {"jonas": "de", "theo": "de", "zoe": "fr", "lucia": "es", "nora": "it", "liv": "nl"}

# slug, name, city, region, country, zone, genres, bio, [(musician, role, instrument, required)], status
BANDS = [
    (
        "the-night-owls",
        "The Night Owls",
        "Berlin",
        "Berlin",
        "DE",
        "Europe/Berlin",
        ["Indie", "Rock"],
        "Four-piece indie rock from Kreuzberg: jangling guitars, three-part harmonies"
        " and songs about last trains home.",
        [
            ("mara", "leader", "Vocals, guitar", True),
            ("jonas", "admin", "Bass", True),
            ("ayla", "member", "Drums", True),
            ("theo", "member", "Keys", False),
        ],
        "approved",
    ),
    (
        "brass-and-bones",
        "Brass & Bones",
        "Berlin",
        "Berlin",
        "DE",
        "Europe/Berlin",
        ["Funk", "Soul"],
        "A nine-legged funk machine with a horn section that has played every Berlin club worth its sweat.",
        [("sam", "leader", "Trumpet", True), ("ayla", "member", "Drums", True), ("jonas", "member", "Bass", True)],
        "approved",
    ),
    (
        "luz-de-madrugada",
        "Luz de Madrugada",
        "Madrid",
        "Madrid",
        "ES",
        "Europe/Madrid",
        ["Folk", "Pop"],
        "Flamenco-tinged folk pop: nylon strings, cajón and songs in Spanish and English.",
        [("lucia", "leader", "Vocals", True), ("pablo", "member", "Guitar", True), ("ines", "member", "Cajón", True)],
        "approved",
    ),
    (
        "grey-harbour",
        "Grey Harbour",
        "Bristol",
        "England",
        "GB",
        "Europe/London",
        ["Folk", "Indie"],
        "Sea shanties for people who have never been to sea. Fiddle, banjo and a lot of stomping.",
        [
            ("grace", "leader", "Fiddle", True),
            ("finn", "member", "Banjo", True),
            ("hana", "member", "Double bass", False),
        ],
        "approved",
    ),
    (
        "the-low-end-theory",
        "The Low End Theory",
        "London",
        "England",
        "GB",
        "Europe/London",
        ["Jazz", "Hip hop"],
        "Jazz trio meets live hip hop: upright bass, MPC and a saxophone that talks back.",
        [
            ("olu", "leader", "Saxophone", True),
            ("hana", "member", "Double bass", True),
            ("finn", "member", "Drums", True),
        ],
        "approved",
    ),
    (
        "brooklyn-static",
        "Brooklyn Static",
        "New York",
        "New York",
        "US",
        "America/New_York",
        ["Punk", "Rock"],
        "Fast, loud, short. Twelve songs in twenty minutes and a merch table with opinions.",
        [
            ("marcus", "leader", "Vocals, guitar", True),
            ("dani", "admin", "Bass", True),
            ("ray", "member", "Drums", True),
        ],
        "approved",
    ),
    (
        "velours",
        "Velours",
        "Paris",
        "Île-de-France",
        "FR",
        "Europe/Paris",
        ["Electronic", "Pop"],
        "Synth pop with a string quartet's sense of melody; lights, smoke and very good shoes.",
        [
            ("zoe", "leader", "Vocals, synths", True),
            ("emile", "member", "Modular synth", True),
            ("nora", "member", "Violin", False),
        ],
        "approved",
    ),
    (
        "nordlys",
        "Nordlys",
        "Copenhagen",
        "Capital Region",
        "DK",
        "Europe/Copenhagen",
        ["Jazz", "Folk"],
        "Nordic jazz with folk tunes at its heart. Quiet rooms, long notes.",
        [("kai", "leader", "Piano", True), ("liv", "member", "Vocals", True)],
        "approved",
    ),
    (
        "delta-ghosts",
        "Delta Ghosts",
        "New York",
        "New York",
        "US",
        "America/New_York",
        ["Blues"],
        "Delta blues played loud. New on StageSlot and waiting for a staff check.",
        [("ray", "leader", "Guitar, vocals", True), ("marcus", "member", "Harmonica", False)],
        "pending",
    ),
]

# Press-kit details by band slug: tagline, fee range, currency, set length, rider, links.
PRESS = {
    "the-night-owls": (
        "Four-piece indie rock from Kreuzberg",
        400,
        1200,
        "EUR",
        75,
        "Full backline except drums hardware. 12 inputs. Two vocal mics.",
        {
            "website": "https://thenightowls.example",
            "instagram": "https://instagram.com/thenightowls.band",
            "spotify": "https://open.spotify.com/artist/4Z8W4fKeB5YxbusRsdQVPb",
        },
    ),
    "brass-and-bones": (
        "Nine-piece funk with a horn section",
        900,
        2500,
        "EUR",
        90,
        "Stage at least 6 × 4 m. 18 inputs, 5 monitor mixes.",
        {"website": "https://brassandbones.example", "youtube": "https://youtube.com/@brassandbones"},
    ),
    "luz-de-madrugada": (
        "Flamenco-tinged folk pop",
        350,
        900,
        "EUR",
        60,
        "Acoustic set possible. 8 inputs.",
        {"instagram": "https://instagram.com/luzdemadrugada", "soundcloud": "https://soundcloud.com/luzdemadrugada"},
    ),
    "grey-harbour": (
        "Sea shanties for landlubbers",
        300,
        700,
        "GBP",
        60,
        "Three vocal mics, one DI.",
        {"bandcamp": "https://greyharbour.bandcamp.com", "facebook": "https://facebook.com/greyharbourband"},
    ),
    "the-low-end-theory": (
        "Jazz trio meets live hip hop",
        500,
        1500,
        "GBP",
        80,
        "Upright bass DI and mic, 10 inputs.",
        {"website": "https://lowendtheory.example", "tiktok": "https://tiktok.com/@lowendtheory"},
    ),
    "brooklyn-static": (
        "Twelve songs in twenty minutes",
        200,
        600,
        "USD",
        30,
        "Bring earplugs.",
        {"instagram": "https://instagram.com/brooklynstatic", "bandcamp": "https://brooklynstatic.bandcamp.com"},
    ),
    "velours": (
        "Synth pop with strings",
        800,
        2000,
        "EUR",
        70,
        "Own lights. 14 inputs, stereo DI x4.",
        {"website": "https://velours.example", "spotify": "https://open.spotify.com/artist/0OdUWJ0sBjDrqHygGUXeCF"},
    ),
    "nordlys": (
        "Nordic jazz, quiet rooms, long notes",
        600,
        1400,
        "DKK",
        90,
        "A tuned grand piano, please.",
        {"website": "https://nordlys.example"},
    ),
    "delta-ghosts": ("Delta blues played loud", 250, 500, "USD", 60, "Two amps, one vocal mic.", {}),
}

# A public, freely licensed film (Blender Foundation) so demo players show something real.
DEMO_VIDEO = "https://www.youtube.com/watch?v=aqz-KE-bpKQ"

# slug, name, address, city, region, country, zone, capacity, genres, description, [(email part, name, role)]
VENUES = [
    (
        "kellerbar",
        "Kellerbar",
        "Oranienstraße 42",
        "Berlin",
        "Berlin",
        "DE",
        "Europe/Berlin",
        180,
        ["Indie", "Rock", "Punk"],
        "A basement club with a proper PA and the best late-night kebab around the corner.",
        [("kellerbar-owner", "Petra Vogel", "owner"), ("kellerbar-booker", "Ole Hansen", "booker")],
    ),
    (
        "sala-aurora",
        "Sala Aurora",
        "Calle de la Palma 18",
        "Madrid",
        "Madrid",
        "ES",
        "Europe/Madrid",
        350,
        ["Folk", "Pop", "Jazz"],
        "A former cinema in Malasaña with a balcony and a generous green room.",
        [("aurora-owner", "Carmen Ruiz", "owner")],
    ),
    (
        "the-lantern",
        "The Lantern",
        "12 King Street",
        "Bristol",
        "England",
        "GB",
        "Europe/London",
        220,
        ["Folk", "Indie", "Blues"],
        "Wood-panelled music room above a pub that has hosted folk nights since 1972.",
        [("lantern-owner", "Tom Harris", "owner")],
    ),
    (
        "blue-room",
        "The Blue Room",
        "210 Bedford Ave",
        "New York",
        "New York",
        "US",
        "America/New_York",
        400,
        ["Jazz", "Funk", "Soul", "Hip hop"],
        "Williamsburg listening room with a Steinway and a late license.",
        [("blueroom-owner", "Alicia Grant", "owner")],
    ),
]


DEMO_LOGINS = [
    ("Staff (also /admin/)", "staff@demo.stageslot.test"),
    ("Band leader, The Night Owls", "mara@demo.stageslot.test"),
    ("Band member, The Night Owls", "ayla@demo.stageslot.test"),
    ("Band admin, reads German", "jonas@demo.stageslot.test"),
    ("Venue owner, Kellerbar", "kellerbar-owner@demo.stageslot.test"),
    ("Private client", "client@demo.stageslot.test"),
    ("Agent, Northside Agency", "agent@demo.stageslot.test"),
    ("Promoter, Riverside Rooms", "promoter@demo.stageslot.test"),
    ("Fan in Berlin (follows, asks)", "fan@demo.stageslot.test"),
    ("Band leader, Kiezbrass (24-piece)", "kiez-jule@demo.stageslot.test"),
    ("Tour driver (crew, not in a band)", "driver@demo.stageslot.test"),
]


def demo_logins(site_url: str) -> str:
    """Where to log in and the demo accounts, as printed after seeding and when `make run` is up."""
    lines = [
        f"Log in at {site_url.rstrip('/')}/accounts/login/",
        f"Every demo account uses the password: {DEMO_PASSWORD}",
        *(f"  {role:<30} {email}" for role, email in DEMO_LOGINS),
    ]
    return "\n".join(lines) + "\n"


# km each demo band travels for a gig; the others do not say.
DEMO_TRAVEL_KM = {"the-night-owls": 800, "brass-and-bones": 300, "grey-harbour": 250, "velours": 600, "nordlys": 1200}


class Command(BaseCommand):
    help = "Load demo users, bands and venues (idempotent). Every demo login uses the password printed at the end."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="Run even when DEBUG is off.")
        parser.add_argument("--quiet", action="store_true", help="Say only that it is done.")

    def handle(self, *args, **options) -> None:
        self.quiet = options["quiet"]
        if not settings.DEBUG and not options["force"]:
            raise CommandError("seed_demo creates accounts with a known password; pass --force to run it here.")
        with transaction.atomic():
            users = self._users()
            genres = {
                name: Genre.objects.get_or_create(slug=name.lower().replace(" ", "-"), defaults={"name": name})[0]
                for name in GENRES
            }
            self._bands(users, genres)
            self._venues(genres)
            self._places()
            seed_availability(users, today=timezone.localdate())
            seed_bookings(now=timezone.now())
            seed_conversations(now=timezone.now())
            seed_reviews(now=timezone.now())
            seed_shows(now=timezone.now())
            seed_client_journey(now=timezone.now())
            seed_quotes(now=timezone.now())
            seed_payments(now=timezone.now())
            # Paper: contracts on agreed terms, invoices for the money above, day sheets of booked gigs.
            if pdf_unavailable():
                # The contracts' PDFs need Pango (manage.py check says how to install it): the rest is seeded.
                self.stdout.write("No demo contracts: this machine cannot make PDFs (see manage.py check).")
            else:
                seed_contracts(now=timezone.now(), password=DEMO_PASSWORD)
            seed_invoices(now=timezone.now())
            seed_day_sheets(now=timezone.now())
            # Who plays: answers of every kind, a gig at risk, stand-ins, songs and set lists, a push device.
            seed_lineups(now=timezone.now())
            # Kiezbrass: 24 players in four sections with a minimum line-up; one gig short of low brass.
            seed_big_band(now=timezone.now(), password=DEMO_PASSWORD)
            seed_tour_venues(now=timezone.now(), picture=demo_picture)
            # An agency with three bands and two agents; a venue group running two venues, with a promoter.
            seed_teams(password=DEMO_PASSWORD)
            # Riverside Rooms' festival on two stages of Kellerbar, its open call with scored applications,
            # The Night Owls placed and Brass & Bones (who share two players with them) shortlisted: the clash.
            seed_festivals(now=timezone.now())
            # Three holds on one Friday at Kellerbar, the 2nd challenging the 1st.
            seed_holds(now=timezone.now())
            # Two years of played, declined and cancelled gigs with their reviews, behind the analytics charts.
            seed_history(now=timezone.now())
            # Fans: Felix in Berlin follows and asks; six in Hamburg and two in Leipzig asked The Night Owls to come.
            seed_fans(password=DEMO_PASSWORD)
            # The ten-day tour booked and made a tour: drives, two hotels, a driver who is crew, a budget.
            seed_tour(now=timezone.now(), password=DEMO_PASSWORD)
            # And a three-night warm-up in the north around today: the dashboard's "Today on tour" has its day.
            seed_tour_today(now=timezone.now())
            # Mara's CalDAV calendar on the local Radicale `make run` starts (else: the "connect" prompt).
            seed_calendars(users)
            # Last: every demo account, whichever step made it, has read the notice and says what it came for.
            demo_people_settle(now=timezone.now())
        self._print_logins()

    def _user(self, email: str, name: str, zone: str, **extra) -> User:
        user, created = User.objects.get_or_create(
            email=email,
            # Demo people signed up under the notice on the site now: no banner asks them to read it.
            defaults={"display_name": name, "time_zone": zone, "policy_version": policy_version(),
                      "password": password_hash_once(DEMO_PASSWORD), **extra},
        )  # fmt: skip
        if created:  # a new person has no address yet
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        else:
            EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        return user

    def _users(self) -> dict[str, User]:
        users = {
            part: self._user(f"{part}@demo.stageslot.test", name, zone, language=DEMO_LANGUAGES.get(part, ""))
            for part, name, zone in MUSICIANS
        }
        users["client"] = self._user("client@demo.stageslot.test", "Charlotte Meyer", "Europe/Berlin")
        users["staff"] = self._user(
            "staff@demo.stageslot.test", "StageSlot Staff", "UTC", is_staff=True, is_superuser=True
        )
        return users

    def _bands(self, users: dict[str, User], genres: dict[str, Genre]) -> None:
        for slug, name, city, region, country, zone, genre_names, bio, members, status in BANDS:
            band, _ = Band.objects.get_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "city": city,
                    "region": region,
                    "country": country,
                    "time_zone": zone,
                    "bio": bio,
                    "status": status,
                    # Club bands with their own backline: an hour to load in and sound-check, half an
                    # hour to pack down (the demo's evenings are planned around this window).
                    "load_in_minutes": 60,
                    "pack_down_minutes": 30,
                },
            )
            band.genres.add(*(genres[g] for g in genre_names))
            for part, role, instrument, required in members:
                Membership.objects.get_or_create(
                    band=band,
                    user=users[part],
                    defaults={"role": role, "instrument": instrument, "required": required},
                )
            self._press_kit(band, users)

    def _press_kit(self, band: Band, users: dict[str, User]) -> None:
        tagline, fee_min, fee_max, currency, set_length, rider, links = PRESS[band.slug]
        values = {"tagline": tagline, "fee_min": fee_min, "fee_max": fee_max, "currency": currency,
                  "set_length_minutes": set_length, "rider": rider, **links}  # fmt: skip
        changed = [field for field, value in values.items() if getattr(band, field) in ("", None)]
        # The currency has a default (EUR), so "empty" cannot tell; the band's fee is in its own country's
        # currency whenever the fee is still the demo's (this also mends demo data seeded before).
        if band.currency != currency and (band.fee_min in (None, fee_min)) and (band.fee_max in (None, fee_max)):
            changed.append("currency")
        for field in changed:
            setattr(band, field, values[field])
        if changed:
            band.save(update_fields=changed)
        if not band.photos.exists():
            for i, caption in enumerate([f"{band.name} on stage", f"{band.name} backstage"]):
                photo = BandPhoto(band=band, caption=caption, position=i)
                photo.image.save("photo.webp", demo_picture(f"{band.slug}-{i}"), save=False)
                photo.save()
        if band.slug in ("the-night-owls", "velours", "nordlys") and not band.embeds.exists():
            from bands.embeds import embed_from_url

            embed = embed_from_url(DEMO_VIDEO)
            BandEmbed.objects.create(
                band=band, provider=embed.provider, source_url=embed.source_url, embed_url=embed.embed_url,
                title="Live session",
            )  # fmt: skip
        if band.slug == "the-night-owls" and not band.invites.exists():
            leader = users["mara"]
            BandInvite.objects.create(band=band, created_by=leader, max_uses=5,
                                      expires_at=timezone.now() + timedelta(days=14))  # fmt: skip
            BandInvite.objects.create(band=band, created_by=leader, email="old.friend@example.com",
                                      expires_at=timezone.now() - timedelta(days=2))  # fmt: skip

    def _venues(self, genres: dict[str, Genre]) -> None:
        for slug, name, address, city, region, country, zone, capacity, genre_names, desc, staff in VENUES:
            venue, _ = Venue.objects.get_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "address": address,
                    "city": city,
                    "region": region,
                    "country": country,
                    "time_zone": zone,
                    "capacity": capacity,
                    "description": desc,
                    "status": ApprovalStatus.APPROVED,
                },
            )
            venue.genres.add(*(genres[g] for g in genre_names))
            Stage.objects.get_or_create(venue=venue, name="Main room", defaults={"capacity": capacity})
            if capacity >= 300:
                Stage.objects.get_or_create(venue=venue, name="Side room", defaults={"capacity": capacity // 4})
            if not venue.website:
                venue.website = f"https://{slug}.example"
                venue.instagram = f"https://instagram.com/{slug.replace('-', '')}"
                venue.save(update_fields=["website", "instagram"])
            if not venue.photos.exists():
                photo = VenuePhoto(venue=venue, caption=f"The room at {name}")
                photo.image.save("photo.webp", demo_picture(f"venue-{slug}"), save=False)
                photo.save()
            for part, person, role in staff:
                user = self._user(f"{part}@demo.stageslot.test", person, zone)
                VenueStaff.objects.get_or_create(venue=venue, user=user, defaults={"role": role})
            if slug == "kellerbar" and not venue.invites.exists():
                VenueInvite.objects.create(
                    venue=venue, role=VenueStaff.Role.BOOKER, email="new.booker@example.com",
                    created_by=venue.staff_roles.filter(role=VenueStaff.Role.OWNER).first().user,
                    expires_at=timezone.now() + timedelta(days=10),
                )  # fmt: skip

    def _places(self) -> None:
        """Demo bands and venues stand in their gazetteer city (loaded by the migrations)."""
        from places.selectors import city_match

        for model in (Band, Venue):
            for row in model.objects.filter(place__isnull=True).exclude(city=""):
                city = city_match(row.city, str(row.country))
                if city is not None:
                    row.place = city
                    row.save(update_fields=["place"])
        # How far the demo bands travel for a gig ("Would travel here" in band search).
        for slug, km in DEMO_TRAVEL_KM.items():
            Band.objects.filter(slug=slug, travel_km__isnull=True).update(travel_km=km)

    def _print_logins(self) -> None:
        if self.quiet:
            self.stdout.write("Demo data is ready.")
            return
        self.stdout.write(self.style.SUCCESS("\nDemo data is loaded."))
        self.stdout.write(demo_logins(site_url()))
