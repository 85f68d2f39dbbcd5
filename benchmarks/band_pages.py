"""The band page and the fragment it loads, in process: the public band page (a first visit: no cookie), the
same page for a visitor who is not signed in but has a session (a second visit), the same page as the band
leader sees it, and the public availability month as htmx loads it.

Usage: .venv/bin/python benchmarks/band_pages.py [--runs 100] [--rounds 3] [--reuse] [--profile PAGE]
Prints per page its queries, wall p50/p95 and CPU p50 (rounds alternate the pages), and the CPU p50 of each.
--profile PAGE prints a cProfile of that page's requests (by own time) instead.
benchmarks/throughput.py measures the same pages through gunicorn on PostgreSQL.
"""

from harness import alternate, bench, client_for, demo_world, figure, table

BAND = "the-night-owls"
HTMX_MONTH = {"HX-Request": "true", "HX-Target": "band-availability", "HX-Current-URL": f"/bands/{BAND}/"}


def extra(parser) -> None:
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", choices=["band", "band-visitor", "band-member", "availability"])
    parser.add_argument("--sort", default="tottime", help="cProfile order (tottime, cumulative)")
    parser.add_argument("--lines", type=int, default=40)


def main() -> None:
    args = bench(__doc__, runs=100, database="stageslot-bench-band-pages", extra=extra)
    demo_world(reuse=args.reuse)
    from django.conf import settings

    member, first, visitor = client_for("mara@demo.stageslot.test"), client_for(), client_for()
    session = visitor.session  # a visitor's session, not signed in (what a sign-out or a fan's follow leaves)
    session["seen"] = True
    session.save()
    visitor.cookies[settings.SESSION_COOKIE_NAME] = session.session_key

    def first_visit():
        first.cookies.clear()  # no cookie: the first visit (one client: its set-up is not the page's cost)
        return first.get(f"/bands/{BAND}/")

    pages = {
        "band": first_visit,
        "band-visitor": lambda: visitor.get(f"/bands/{BAND}/"),
        "band-member": lambda: member.get(f"/bands/{BAND}/"),
        "availability": lambda: client_for().get(f"/bands/{BAND}/availability/", headers=HTMX_MONTH),
    }
    if args.profile:
        import cProfile
        import pstats

        call = pages[args.profile]
        call()
        profile = cProfile.Profile()
        profile.runcall(lambda: [call() for _ in range(args.runs)])
        pstats.Stats(profile).sort_stats(args.sort).print_stats(args.lines)
        return
    rows = alternate(pages, rounds=args.rounds, runs=args.runs // args.rounds)
    table(rows)
    figure("CPU p50 ms (band, band-visitor, band-member, availability)", " / ".join(f"{r.cpu50:.1f}" for r in rows))


if __name__ == "__main__":
    main()
