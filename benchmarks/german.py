"""A German page against its English twin: server time and queries of the same pages read in British
English and in German.

Usage: .venv/bin/python benchmarks/german.py [--runs 60] [--reuse]
Uses DATABASE_URL when set (PostgreSQL), else a SQLite file of its own (benchmarks/harness.py). Loads the
demo world, then asks each page in turns – English, German, English… so both see the same machine – and
prints the queries, function calls, p50/p95 and CPU of each, and how much slower (or faster) German is.
"""

from harness import alternate, bench, client_for, demo_world, figure, table

PAGES = [
    ("home", "/", False),
    ("bands search", "/bands/", False),
    ("band page", "/bands/the-night-owls/", False),
    ("gig finder", "/slots/", False),
    ("dashboard", "/dashboard/", True),
    ("my availability", "/me/availability/", True),
    ("band calendar", "/bands/the-night-owls/calendar/", True),
    ("bookings inbox", "/bookings/", True),
    ("booking detail", "/bookings/BOOKING/", True),
]
LANGUAGES = {"en": "en-GB,en;q=0.8", "de": "de-DE,de;q=0.9"}


def main() -> None:
    args = bench(__doc__, runs=60, database="stageslot-bench-german")
    from stageslot.catalogues import compile_catalogues

    compile_catalogues()
    demo_world(reuse=args.reuse)
    from accounts.models import User
    from bookings.models import Booking

    assert not User.objects.get(email="mara@demo.stageslot.test").language, "pages are read in the browser's language"
    member, anonymous = client_for("mara@demo.stageslot.test"), client_for()
    booking = Booking.objects.filter(band__slug="the-night-owls").order_by("-pk").first()
    total = dict.fromkeys(LANGUAGES, 0.0)
    rows = []
    for name, url, signed_in in PAGES:
        url = url.replace("BOOKING", str(booking.uid))
        client = member if signed_in else anonymous
        measures = {
            f"{name} ({language})": (lambda h=header, c=client, u=url: c.get(u, HTTP_ACCEPT_LANGUAGE=h))
            for language, header in LANGUAGES.items()
        }
        for measure in measures.values():  # warm both languages' caches first
            assert measure().status_code == 200, url
        timed = alternate(measures, rounds=args.runs, runs=1)
        for language, row in zip(LANGUAGES, timed, strict=True):
            total[language] += row.p50
        rows += timed
    table(rows)
    figure("German against English, sum of p50s", f"{(total['de'] / total['en'] - 1) * 100:+.1f}", "%")


if __name__ == "__main__":
    main()
