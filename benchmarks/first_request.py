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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--gzip", action="store_true", help="send Accept-Encoding: gzip")
    parser.add_argument("--processes", type=int, default=0, help="fresh processes to start, one after another")
    args = parser.parse_args()
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


if __name__ == "__main__":
    main()
