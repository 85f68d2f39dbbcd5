"""Does a gunicorn worker recycled at max_requests drop a request? Serves the project with the Procfile's
web line (its worker class, threads, timeouts and keep-alive), but recycling every --max-requests
requests, and sends --requests requests: half one after another on one kept-alive connection, half
--concurrency at once on kept-alive connections of their own. Prints how many failed (none should).

    python benchmarks/recycle.py [--port 8201] [--max-requests 20] [--requests 500] [--concurrency 10]

The database and cache come from DATABASE_URL / REDIS_URL as for the tests; /health/ and the API's
schema need no migrated tables.
"""

import argparse
import http.client
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PATHS = ("/health/", "/api/v1/openapi.json")


def web_command(port: int, max_requests: int) -> list[str]:
    """The Procfile's web line with the defaults filled in, bound to 127.0.0.1:port, recycling sooner."""
    line = next(
        part.split(":", 1)[1] for part in (ROOT / "Procfile").read_text().splitlines() if part.startswith("web:")
    )
    words = shlex.split(re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: m.group(2), line))
    words[0] = str(Path(sys.executable).with_name("gunicorn"))
    out, skip = [], False
    for word in words:
        if skip:
            skip = False
            continue
        if word in ("--bind", "--max-requests", "--max-requests-jitter", "--access-logfile", "--workers"):
            skip = True
            continue
        out.append(word)
    jitter = max(1, max_requests // 4)
    return [*out, "--bind", f"127.0.0.1:{port}", "--workers", "2", "--max-requests", str(max_requests),
            "--max-requests-jitter", str(jitter), "--log-level", "warning"]  # fmt: skip


class Client:
    """One kept-alive HTTP/1.1 connection; a request that fails is counted, not retried."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def get(self, path: str) -> str:
        try:
            self.connection.request("GET", path)
            response = self.connection.getresponse()
            response.read()
            if response.getheader("Connection", "").lower() == "close":
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            return "" if response.status == 200 else f"status {response.status}"
        except (OSError, http.client.HTTPException) as exc:
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            return type(exc).__name__


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8201)
    parser.add_argument("--max-requests", type=int, default=20)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "stageslot.settings.test"}
    log = open(Path(tempfile.gettempdir()) / f"stageslot-recycle-{args.port}.log", "w")  # noqa: SIM115
    command = web_command(args.port, args.max_requests)
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        deadline = time.monotonic() + 60
        while Client(args.port).get("/health/"):
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not come up on port {args.port}; see {log.name}")
            time.sleep(0.3)
        half = args.requests // 2
        one = Client(args.port)
        failures = [one.get(PATHS[i % 2]) for i in range(half)]

        def batch(count: int) -> list[str]:
            mine = Client(args.port)
            return [mine.get(PATHS[i % 2]) for i in range(count)]

        rest = args.requests - half
        share = [rest // args.concurrency + (1 if i < rest % args.concurrency else 0) for i in range(args.concurrency)]
        with ThreadPoolExecutor(args.concurrency) as pool:
            for answers in pool.map(batch, share):
                failures.extend(answers)
        failed = [f for f in failures if f]
        load = os.getloadavg()
        print(
            f"{len(failures)} requests, {len(failed)} failed ({', '.join(sorted(set(failed))) or 'none'}); "
            f"workers recycled every {args.max_requests} requests (+ jitter); load average "
            f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
        )
        print("gunicorn:", " ".join(command[1:]))
        sys.exit(1 if failed else 0)
    finally:
        server.terminate()
        server.wait(timeout=60)


if __name__ == "__main__":
    main()
