"""What a calendar downloads: the bytes of a member's, a band's and a venue's .ics with --gigs gigs
(500 by default), plain and gzipped, against Gig-O-Matic's band feed (docs/decisions/0117).

Usage:
    .venv/bin/python benchmarks/feed_bytes.py [--gigs 500] [--events]
    DATABASE_URL=postgres://postgres@127.0.0.1/stageslot .venv/bin/python benchmarks/feed_bytes.py
        [--peer-url http://127.0.0.1:9000 --peer-path /band/calfeed/<uuid>]

The world is benchmarks/feeds.py's (the demo, then The Night Owls' --gigs bookings, pending gigs
shown). Prints per feed: events, bytes, bytes per event, the gzipped answer's bytes (Accept-Encoding:
gzip), and the band feed against GO3_BAND_BYTES, or against a running peer's band feed (--peer-url and
--peer-path: fetched over HTTP, plain and gzipped, its events counted); --events prints one event of each
feed as it goes out.
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import feeds as feeds_bench
import harness
import search as search_bench

# Gig-O-Matic's band feed of 500 gigs, bytes, when no --peer-url is given: 106,078 bytes for its 424 confirmed
# public events (docs/decisions/0117; 120 KB in an earlier run).
GO3_BAND_BYTES = 106_078


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gigs", type=int, default=500)
    parser.add_argument("--database-name", default="stageslot_bench_feed_bytes")
    parser.add_argument("--events", action="store_true", help="print one event of each feed")
    harness.add_peer_options(parser)
    args = parser.parse_args()
    maintenance_url, where = feeds_bench.setup_database(args)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connections
    from django.test import Client

    settings.FEEDS_CHECK_MARKS = False
    try:
        print(f"database: {where}, load average {search_bench.load_average()}")
        feeds_bench.fresh_world(maintenance_url, args.database_name)
        feeds_bench.generate_gigs(args.gigs)
        tokens = feeds_bench.make_feeds()
        client = Client()
        print(f"\n{'feed':8} {'events':>7} {'bytes':>9} {'per event':>10} {'gzip':>8} {'gzip/event':>10}")
        for name, token in tokens.items():
            url = f"/feeds/{token}.ics"
            plain = client.get(url)
            zipped = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
            events = plain.content.count(b"BEGIN:VEVENT")
            size, packed = len(plain.content), len(zipped.content)
            encoded = zipped.get("Content-Encoding", "none")
            print(
                f"{name:8} {events:7} {size:9,} {size / max(events, 1):10.0f} {packed:8,} "
                f"{packed / max(events, 1):10.0f}  (Content-Encoding: {encoded})"
            )
            if name == "band":
                band = (size, events, packed)
            if args.events:
                start = plain.content.find(b"BEGIN:VEVENT")
                print(plain.content[start : plain.content.find(b"END:VEVENT", start) + 10].decode())
        size, events, packed = band
        peer_bytes, peer_events, peer_packed = GO3_BAND_BYTES, 0, 0
        if args.peer_url and args.peer_path:
            _ms, status, body, _headers = harness.http_get(args.peer_url, args.peer_path[0])
            _ms, _status, zipped_body, _headers = harness.http_get(
                args.peer_url, args.peer_path[0], {"Accept-Encoding": "gzip"}
            )
            peer_bytes, peer_events, peer_packed = len(body), body.count(b"BEGIN:VEVENT"), len(zipped_body)
            print(
                f"{'peer':8} {peer_events:7} {peer_bytes:9,} {peer_bytes / max(peer_events, 1):10.0f} "
                f"{peer_packed:8,} {peer_packed / max(peer_events, 1):10.0f}  (status {status})"
            )
        print(
            f"\nband feed of {events} events: {size / 1000:.0f} KB, {size / peer_bytes:.2f}x the peer's "
            f"{peer_bytes / 1000:.0f} KB"
            + (f" of {peer_events} events" if peer_events else " (GO3_BAND_BYTES)")
            + f"; gzipped {packed / 1000:.0f} KB"
            + (f" against {peer_packed / 1000:.0f} KB" if peer_packed else "")
        )
    finally:
        connections.close_all()
        if maintenance_url:
            search_bench.recreate_database(maintenance_url, args.database_name, drop_only=True)


if __name__ == "__main__":
    main()
