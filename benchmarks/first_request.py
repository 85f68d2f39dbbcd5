"""The first request of a fresh web process against the warm ones: the CPU time of a GET of each path,
served by the WSGI application as gunicorn serves it (a plain WSGI environ: nothing of django.test
is loaded before the first request) (stageslot.wsgi, which readies the process while
it loads), first once, then --runs times more.

Usage (the database and settings from the environment, as the site's):
    .venv/bin/python benchmarks/first_request.py /feeds/<token>.ics [--runs 20] [--gzip] [--processes 5]

Prints one JSON line: per path, the first request's CPU and wall ms, the warm ones' medians, their
ratio, the status codes, and the modules the first request imported (what the process had not loaded
yet), with the load average. --gzip asks as calendar apps do (Accept-Encoding: gzip). --processes N
starts N fresh processes one after another, each answering its first request as above, and prints the
medians of their first requests (a calendar polling right after a deploy meets one of them).
Each request forgets the VEVENTs the process keeps (bookings.ical.feed_render_forget), so the first
and the warm requests draw the same events and differ only in what the process had ready.

--serve measures over HTTP instead, as a calendar meets the site after a deploy, and a peer the same way:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<seeded> .venv/bin/python benchmarks/first_request.py --serve
        /feeds/<token>.ics [--processes 5] [--runs 20] [--workers 2] [--threads 4] [--gzip]
        [--peer-url http://127.0.0.1:9000 --peer-path /band/calfeed/<uuid> --peer-command "<starts the peer>"]

Each round starts the Procfile's web line (gunicorn, --preload, the production settings, a cache prefix of
its own: nothing of an earlier round cached) on a free port, waits until it listens and its processes are
idle (harness.FreshServer: no request before the timed one), times the first GET of each path on one
kept-alive connection and --runs more on it (the same worker, warm), and stops it; then the peer's
--peer-command the same way. Rounds alternate (--processes of each). Prints per site and path the medians
of the first and the warm requests (wall ms), the body's bytes and events, and StageSlot / peer.
"""

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--gzip", action="store_true", help="send Accept-Encoding: gzip")
    parser.add_argument("--processes", type=int, default=0, help="fresh processes to start, one after another")
    parser.add_argument("--serve", action="store_true", help="over HTTP: fresh gunicorn servers (see above)")
    parser.add_argument("--workers", type=int, default=2, help="--serve: gunicorn workers (WEB_CONCURRENCY)")
    parser.add_argument("--threads", type=int, default=4, help="--serve: threads per worker (WEB_THREADS)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0", help="--serve: the production cache")
    harness.add_peer_options(parser)
    args = parser.parse_args()
    if args.serve:
        return served(args)
    if args.processes:
        return many_processes(args)

    started = time.process_time()
    from stageslot.wsgi import application

    boot_ms = (time.process_time() - started) * 1000
    from bookings.ical import feed_render_forget  # loaded with the views already

    def get(path: str) -> tuple[float, int]:
        feed_render_forget()
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "SCRIPT_NAME": "",
            "QUERY_STRING": "",
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "testserver",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        if args.gzip:
            environ["HTTP_ACCEPT_ENCODING"] = "gzip"
        answer: list[str] = []
        cpu, wall = time.process_time(), time.perf_counter()
        body = application(environ, lambda status, headers, exc_info=None: answer.append(status))
        b"".join(body)
        body.close()
        return (time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000, int(answer[0].split()[0])

    out: dict = {"boot_ms": round(boot_ms, 1), "load_average": os.getloadavg(), "paths": {}}
    for path in args.paths:
        before = set(sys.modules)
        first_ms, first_wall_ms, first_status = get(path)
        imported = sorted(set(sys.modules) - before)
        warm = [get(path) for _ in range(args.runs)]
        warm_ms = statistics.median(ms for ms, _wall, _status in warm)
        out["paths"][path] = {
            "first_ms": round(first_ms, 2),
            "first_wall_ms": round(first_wall_ms, 2),
            "warm_ms": round(warm_ms, 2),
            "warm_wall_ms": round(statistics.median(wall for _ms, wall, _status in warm), 2),
            "ratio": round(first_ms / warm_ms, 2) if warm_ms else None,
            "statuses": sorted({first_status, *(status for _ms, _wall, status in warm)}),
            "imported_on_first": imported,
        }
    print(json.dumps(out))


def many_processes(args: argparse.Namespace) -> None:
    """Start --processes fresh processes one after another; print the medians of their first requests."""
    command = [sys.executable, __file__, *args.paths, "--runs", str(args.runs)] + (["--gzip"] if args.gzip else [])
    runs = []
    for _ in range(args.processes):
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
        runs.append(json.loads(out.strip().splitlines()[-1]))
    for path in args.paths:
        figures = [run["paths"][path] for run in runs]
        median = {key: statistics.median(f[key] for f in figures) for key in ("first_ms", "first_wall_ms", "warm_ms")}
        imported = sorted({module for f in figures for module in f["imported_on_first"]})
        print(
            f"{path}: {args.processes} fresh processes, first request CPU p50 {median['first_ms']:.1f} ms, wall p50 "
            f"{median['first_wall_ms']:.1f} ms; warm CPU p50 {median['warm_ms']:.1f} ms "
            f"({median['first_ms'] / median['warm_ms']:.2f}x); load average {os.getloadavg()[0]:.1f}; "
            f"imported on the first request: {', '.join(imported) or 'nothing'}"
        )


def served(args: argparse.Namespace) -> None:
    """--serve: alternating rounds of a fresh StageSlot server and a fresh peer, first and warm requests."""
    import secrets
    import tempfile
    from urllib.parse import urlsplit

    import throughput

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("--serve serves the site as production does: DATABASE_URL must name a seeded PostgreSQL database")
    if args.peer_path and not (args.peer_url and args.peer_command):
        sys.exit("--peer-path needs --peer-url and --peer-command (the peer is started afresh each round)")
    media = Path(tempfile.mkdtemp(prefix="stageslot-first-request-media-"))
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "STAGESLOT_", "REDIS_URL"))}
    production = {
        **base,
        "DJANGO_MEDIA_ROOT": str(media / "media"), "BOOKING_FILES_ROOT": str(media / "files"),
        "DJANGO_SETTINGS_MODULE": "stageslot.settings.production", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost", "REDIS_URL": args.redis_url, "DJANGO_LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": str(args.workers), "WEB_THREADS": str(args.threads),
    }  # fmt: skip
    if throughput.static_files_stale():
        throughput.manage(production, "collectstatic", "--noinput", "-v0")
    headers = {"Accept-Encoding": "gzip"} if args.gzip else {}
    ours = {"site": "StageSlot", "paths": args.paths, "headers": {**throughput.PROXY, **headers}}
    sites = [ours]
    if args.peer_path:
        sites.append({"site": "peer", "paths": args.peer_path, "headers": headers})
    figures: dict[tuple[str, str], dict] = {}
    print(f"load average before: {harness.load_average()}")
    for number in range(max(args.processes, 1)):
        for site in sites:
            prefixes = []
            if site["site"] == "StageSlot":
                port = throughput.free_port()
                prefix = f"bench-first-{secrets.token_hex(4)}"
                prefixes.append(prefix)
                env = {**production, "PORT": str(port), "DJANGO_CACHE_PREFIX": prefix}
                server = harness.FreshServer(throughput.web_command(), port, env=env, cwd=throughput.ROOT)
                base_url = f"http://127.0.0.1:{port}"
            else:
                base_url = args.peer_url
                server = harness.FreshServer(args.peer_command, urlsplit(base_url).port or 80)
            try:
                for path in site["paths"]:
                    first, warm, statuses, body = harness.first_and_warm(
                        base_url, path, runs=args.runs, headers=site["headers"]
                    )
                    row = figures.setdefault((site["site"], path), {"first": [], "warm": [], "statuses": set()})
                    row["first"].append(first)
                    row["warm"].append(statistics.median(warm))
                    row["statuses"].update(statuses)
                    row["bytes"], row["events"] = len(body), body.count(b"BEGIN:VEVENT")
                    print(f"  round {number + 1}: {site['site']} {path}: ready in {server.ready_s:.1f} s, first "
                          f"{first:.1f} ms, warm p50 {statistics.median(warm):.1f} ms", flush=True)  # fmt: skip
            finally:
                server.stop()
                for prefix in prefixes:
                    throughput.forget_cache(args.redis_url, prefix)
    print(f"\n{max(args.processes, 1)} fresh servers each, alternating; {args.runs} warm requests after each first; "
          f"{args.workers} workers × {args.threads} threads; load average {harness.load_average()}")  # fmt: skip
    print(f"{'site':<10} {'path':<52} {'first p50':>10} {'warm p50':>9} {'bytes':>9} {'events':>7}  statuses")
    for (site, path), row in figures.items():
        print(f"{site:<10} {path[:52]:<52} {statistics.median(row['first']):>10.1f} "
              f"{statistics.median(row['warm']):>9.1f} {row['bytes']:>9,} {row['events']:>7}  "
              f"{sorted(row['statuses'])}")  # fmt: skip
    if args.peer_path:
        print("\nStageSlot / peer, median wall ms (lower is faster):")
        for path, peer_path in zip(args.paths, args.peer_path, strict=False):
            a, b = figures[("StageSlot", path)], figures[("peer", peer_path)]
            print(f"  {path[:40]:<40} first {statistics.median(a['first']) / statistics.median(b['first']):.2f}  "
                  f"warm {statistics.median(a['warm']) / statistics.median(b['warm']):.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
