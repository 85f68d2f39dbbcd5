"""`manage.py reconcile_payments [--since DAYS]`: the ledger against Stripe's balance transactions, and
each booking's entries against each other (payments/services/reconcile.py). Prints every difference, or
"No differences."; exits with 1 when there are differences, 2 when Stripe does not answer."""

import datetime as dt
import sys

import stripe
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from payments.services.reconcile import ledger_reconcile


class Command(BaseCommand):
    help = "Compare the ledger with Stripe's balance transactions and print every difference."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--since", type=int, default=None, metavar="DAYS", help="Only what was written in the last DAYS days."
        )

    def handle(self, *args, **options) -> None:
        days = options["since"]
        if days is not None and days <= 0:
            raise CommandError("--since takes a number of days above 0.")
        since = timezone.now() - dt.timedelta(days=days) if days is not None else None
        try:
            differences = ledger_reconcile(since=since)
        except stripe.StripeError as exc:
            self.stderr.write(f"Stripe did not answer: {exc}")
            sys.exit(2)
        for difference in differences:
            self.stdout.write(str(difference))
        if differences:
            self.stdout.write(self.style.ERROR(f"{len(differences)} difference(s)."))
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS("No differences."))
