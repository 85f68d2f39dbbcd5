import datetime as dt
from types import SimpleNamespace

from accounts.tests.factories import UserFactory
from bookings.tests.factories import band_with_leader, in_days, venue_with_owner
from teams.models import Organisation, OrgMember, Role, VenueLink
from teams.services import venue_link_answer


def hold_world(suffix: str = "") -> SimpleNamespace:
    """Kellerbar (its owner and a booker), run by a venue group whose promoter books for it, three bands
    with their leaders, another venue's owner and a stranger; a date at least 30 days ahead, 20:00 to 23:00 UTC.
    The date is a Monday in the first half of its month, so its week and the nine days after it stay in its month
    whatever today is (the calendar's month and week views show them all)."""
    venue, owner = venue_with_owner(name="Kellerbar", slug=f"kellerbar{suffix}", time_zone="Europe/Berlin")
    booker = UserFactory(display_name="Ole Booker")
    venue.staff_roles.create(user=booker, role="booker")
    group = Organisation.objects.create(kind="venue_group", name="Riverside Rooms", slug=f"riverside{suffix}")
    promoter = UserFactory(display_name="Rafael Promoter")
    viewer = UserFactory(display_name="Lena Viewer")
    OrgMember.objects.create(organisation=group, user=promoter, role=Role.BOOKER)
    OrgMember.objects.create(organisation=group, user=viewer, role=Role.VIEWER)
    link = VenueLink.objects.create(organisation=group, venue=venue, asked_by=promoter)
    venue_link_answer(link=link, by=owner, accept=True)
    bands = [band_with_leader(name=f"Band {n}", slug=f"band-{n}{suffix}") for n in (1, 2, 3, 4)]
    other_venue, other_owner = venue_with_owner(slug=f"lido{suffix}")
    start = in_days(30, 20)
    while start.weekday() != 0 or start.day > 14:
        start += dt.timedelta(days=1)
    return SimpleNamespace(
        venue=venue,
        stage=venue.stages.first(),
        owner=owner,
        booker=booker,
        promoter=promoter,
        viewer=viewer,
        group=group,
        bands=[b for b, _leader in bands],
        leaders=[leader for _b, leader in bands],
        other_venue=other_venue,
        other_owner=other_owner,
        stranger=UserFactory(),
        start=start,
        end=start + dt.timedelta(hours=3),
        expires=start - dt.timedelta(days=7),
    )
