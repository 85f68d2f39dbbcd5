"""What the demo's accounts share: one password, printed by `make run` for trying the site out; the privacy
notice read and what they came for, however they were made (demo_people_settle).

Hashing a password is slow on purpose (a few hundred milliseconds with the production hasher), and it was
most of the time `seed_demo` took: the demo's forty accounts get one hash, made once per process.
"""

import datetime as dt
import functools

from django.contrib.auth.hashers import make_password
from django.db.models import Exists, OuterRef

from accounts.models import HereFor, User
from accounts.policy import policy_version
from bands.models import Membership
from bookings.models import Booking
from fans.models import Ask, Follow
from teams.models import Organisation, OrgMember
from venues.models import VenueStaff


@functools.cache
def password_hash_once(password: str) -> str:
    """The password's hash, the same for every demo account that has it (they share the password anyway)."""
    return make_password(password)


# Every demo account's address ends so (stageslot/management/commands/seed_demo.py and stageslot/demo/*).
DEMO_DOMAIN = "demo.stageslot.test"


def demo_people_settle(*, now: dt.datetime) -> None:
    """What every demo account has, whichever part of the seed made it: the privacy notice on the site now read
    (no banner asks them; a person made without it saw one on every page), and what they came for as what
    they have says (a band: to play; a venue group: to organise; a venue: to run it; an agency or a private
    event: to book music; follows and asks: to follow bands). A choice already made stays; the accounts with
    none of these (the staff account, the tour's driver) are asked on their first page, as anyone would be."""
    people = User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}")
    people.exclude(policy_version=policy_version()).update(policy_version=policy_version(), policy_accepted_at=now)
    person = OuterRef("pk")
    by_what_they_have = [
        (HereFor.BAND, Exists(Membership.objects.filter(user_id=person))),
        # A venue group's people organise (its festival and calls) before they staff its venues.
        (
            HereFor.FESTIVAL,
            Exists(OrgMember.objects.filter(user_id=person, organisation__kind=Organisation.Kind.VENUE_GROUP)),
        ),
        (HereFor.VENUE, Exists(VenueStaff.objects.filter(user_id=person))),
        (HereFor.BOOK, Exists(OrgMember.objects.filter(user_id=person, organisation__kind=Organisation.Kind.AGENCY))),
        (HereFor.BOOK, Exists(Booking.objects.filter(client_id=person))),
        (HereFor.FAN, Exists(Follow.objects.filter(user_id=person)) | Exists(Ask.objects.filter(user_id=person))),
    ]
    for here_for, has in by_what_they_have:  # the first that fits: a musician who also follows bands plays
        people.filter(has, here_for="").update(here_for=here_for)
