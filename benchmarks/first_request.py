"""The first request of a fresh web process against the warm ones: the CPU time of a GET of each path,
served by the WSGI application as gunicorn serves it (a plain WSGI environ: nothing of django.test
is loaded before the first request) (stageslot.wsgi, which readies the process while
it loads), first once, then --runs times more.

Usage (the database and settings from the environment, as the site's):
    .venv/bin/python benchmarks/first_request.py /bookings/feeds/<token>.ics [--runs 20]

Prints one JSON line: per path, the first request's CPU ms, the warm ones' median, their ratio, the
status codes, and the modules the first request imported (what the process had not loaded yet).
Each request forgets the VEVENTs the process keeps (bookings.ical.feed_render_forget), so the first
and the warm requests draw the same events and differ only in what the process had ready.
"""

import argparse
import io
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

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
        answer: list[str] = []
        cpu = time.process_time()
        body = application(environ, lambda status, headers, exc_info=None: answer.append(status))
        b"".join(body)
        body.close()
        return (time.process_time() - cpu) * 1000, int(answer[0].split()[0])

    out: dict = {"boot_ms": round(boot_ms, 1), "paths": {}}
    for path in args.paths:
        before = set(sys.modules)
        first_ms, first_status = get(path)
        imported = sorted(set(sys.modules) - before)
        warm = [get(path) for _ in range(args.runs)]
        warm_ms = statistics.median(ms for ms, _status in warm)
        out["paths"][path] = {
            "first_ms": round(first_ms, 2),
            "warm_ms": round(warm_ms, 2),
            "ratio": round(first_ms / warm_ms, 2) if warm_ms else None,
            "statuses": sorted({first_status, *(status for _ms, status in warm)}),
            "imported_on_first": imported,
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
