#!/usr/bin/env python3
"""Receive StageSlot webhooks on this machine and check their signatures (standard library only).

    python3 bin/webhook_listener.py --secret whsec_… [--port 8471] [--count 1] [--timeout 120]

Listens on 127.0.0.1, prints each event it receives with whether its signature holds, answers 200 to a
good one and 400 to a bad one, and exits after `count` good events (0), or after `timeout` seconds or a
bad signature (1). The signature: header StageSlot-Signature "t=<unix time>,v1=<hex>", where hex is
HMAC-SHA256(secret, "<t>.<body>"); a t more than five minutes away is refused too (a replay).
"""

import argparse
import hashlib
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

TOLERANCE = 300


def signature_holds(secret: str, header: str, body: bytes, now: float) -> bool:
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        stamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return abs(now - stamp) <= TOLERANCE and hmac.compare_digest(expected, parts.get("v1", ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--port", type=int, default=8471)
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()
    outcome = {"good": 0, "bad": 0}
    done = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # the name http.server calls
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            good = signature_holds(args.secret, self.headers.get("StageSlot-Signature", ""), body, time.time())
            try:
                event = json.loads(body)
            except ValueError:
                event = {}
            booking = event.get("data", {}).get("booking", {})
            print(
                f"{event.get('type', '?'):<20} booking {booking.get('uid', '?')} now {booking.get('status', '?')}: "
                f"signature {'verified' if good else 'WRONG'}",
                flush=True,
            )
            self.send_response(200 if good else 400)
            self.send_header("Content-Length", "0")
            self.end_headers()
            outcome["good" if good else "bad"] += 1
            if outcome["bad"] or outcome["good"] >= args.count:
                done.set()

        def log_message(self, *args) -> None:
            pass

    server = HTTPServer(("127.0.0.1", args.port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"listening on http://127.0.0.1:{args.port}/ for {args.count} signed event(s)", flush=True)
    finished = done.wait(args.timeout)
    server.shutdown()
    if not finished:
        print(f"no {args.count} event(s) within {args.timeout:g} s", file=sys.stderr)
        return 1
    return 0 if outcome["bad"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
