"""Query count and server time of the pages.

Usage: .venv/bin/python benchmarks/pages.py [--runs 50] [--reuse]
Uses DATABASE_URL when set (PostgreSQL), else a SQLite file of its own. Loads the demo world, then
requests each page through Django's test client and prints the number of SQL queries, the Python
function calls and the p50/p95 server time (benchmarks/harness.py).
"""

from datetime import date, timedelta

from harness import bench, client_for, demo_world, figure, table, time_url

PAGES = [
    ("home", "/", False),
    ("login", "/accounts/login/", False),
    ("signup", "/accounts/signup/", False),
    ("dashboard", "/dashboard/", True),
    ("profile", "/me/profile/", True),
    ("email settings", "/accounts/email/", True),
    ("bands", "/bands/", False),
    ("venues", "/venues/", False),
    ("gig finder", "/slots/", False),
    ("my availability", "/me/availability/", True),
    ("my week", "/me/availability/?view=week", True),
    ("my rules", "/me/availability/rules/", True),
    ("band calendar", "/bands/the-night-owls/calendar/", True),
    ("band week", "/bands/the-night-owls/calendar/?view=week", True),
    ("find dates", "/bands/the-night-owls/calendar/find/?start=TODAY&end=LATER&length=180&time_of_day=evening", True),
    ("bands free on", "/bands/?free_on=TODAY&part=evening", False),
    ("band page", "/bands/the-night-owls/", False),
    ("band live cal", "/bands/the-night-owls/availability/", False),
    ("venue page", "/venues/kellerbar/", False),
    ("venue live slots", "/venues/kellerbar/slots/", False),
    ("finder: we play", "/slots/?playable=on", True),
    ("slot page", "/slots/SLOT/", True),
    ("bookings inbox", "/bookings/", True),
    ("bookings history", "/bookings/?tab=history", True),
    ("booking detail", "/bookings/BOOKING/", True),
    ("request form", "/bands/the-night-owls/request/", "client"),
    ("venue slots", "/venues/kellerbar/manage/slots/", "venue"),
    ("venue slot inbox", "/venues/kellerbar/manage/slots/SLOT/", "venue"),
    ("venue applications", "/venues/kellerbar/manage/applications/", "venue"),
    ("notifications", "/notifications/", True),
    ("bell (polled)", "/notifications/bell/", True),
    ("notif settings", "/notifications/settings/", True),
    ("thread (polled)", "/bookings/THREAD/messages/", True),
    ("calendar feeds", "/me/feeds/", True),
    ("member feed .ics", "/feeds/FEED.ics", False),
    ("band share links", "/bands/the-night-owls/manage/share/", True),
    ("share page", "/share/SHARE/", False),
    ("share .ics", "/share/SHARE.ics", False),
]


def main() -> None:
    args = bench(__doc__, runs=50, database="stageslot-bench")
    demo_world(reuse=args.reuse)
    from django.db.models import Count

    from bookings.models import Booking, CalendarFeed, Message, ShareLink
    from venues.models import Slot

    clients = {
        True: client_for("mara@demo.stageslot.test"),
        False: client_for(),
        "venue": client_for("kellerbar-owner@demo.stageslot.test"),
        "client": client_for("client@demo.stageslot.test"),
    }
    # The Kellerbar slot with the most bookings, and one of the Night Owls' bookings.
    slot = (
        Slot.objects.filter(venue__slug="kellerbar", cancelled_at__isnull=True)
        .annotate(n=Count("bookings"))
        .order_by("-n", "starts_at")
        .first()
    )
    booking = Booking.objects.filter(band__slug="the-night-owls").order_by("-pk").first()
    thread = Message.objects.filter(booking__band__slug="the-night-owls").order_by("pk").first().booking
    feed = CalendarFeed.objects.get(user__email="mara@demo.stageslot.test", scope=CalendarFeed.Scope.MEMBER)
    share = ShareLink.objects.filter(band__slug="the-night-owls", revoked_at__isnull=True).first()
    today = date.today()
    rows = []
    for name, url, logged_in in PAGES:
        url = url.replace("TODAY", today.isoformat()).replace("LATER", (today + timedelta(days=90)).isoformat())
        url = url.replace("SLOT", str(slot.pk)).replace("BOOKING", str(booking.uid))
        url = url.replace("THREAD", str(thread.uid)).replace("FEED", feed.token).replace("SHARE", share.token)
        # What a page polls is asked for the way htmx asks.
        headers = {"HX-Request": "true"} if name.endswith("(polled)") else {}
        rows.append(time_url(clients[logged_in], url, name=name, runs=args.runs, headers=headers))
    table(rows)
    figure("most queries on a page", max(r.queries for r in rows))


if __name__ == "__main__":
    main()
