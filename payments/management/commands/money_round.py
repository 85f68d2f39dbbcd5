"""`manage.py money_round [--at "2026-12-24 18:00"]`: the money round once (unpaid deposits lapse,
balances due are charged, checkouts end, payments and refunds whose answer was lost are asked of Stripe,
people told), as the periodic task runs it every five minutes. With --at, as if it were that moment
(in the site's time zone): how a demo makes a balance's due date arrive without waiting for it."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.fields.timezones import zone_name
from payments.services.periodic import money_round


class Command(BaseCommand):
    help = "Run the money round once, now or as if it were --at."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--at", default="", help='A moment, "YYYY-MM-DD HH:MM" in the site\'s time zone.')

    def handle(self, *args, **options) -> None:
        now = timezone.now()
        if options["at"]:
            try:
                now = timezone.make_aware(dt.datetime.fromisoformat(options["at"].strip()))
            except ValueError as exc:
                raise CommandError('--at takes a moment as "YYYY-MM-DD HH:MM".') from exc
        done = money_round(now=now)
        zone = zone_name(timezone.get_current_timezone())
        self.stdout.write(f"Money round at {timezone.localtime(now):%Y-%m-%d %H:%M} ({zone}):")
        for what, count in done.items():
            self.stdout.write(f"  {what.replace('_', ' ')}: {count}")
