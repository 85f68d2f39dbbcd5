"""`manage.py reconcile_payments [--since DAYS] [--fix [--apply]]`: the ledger against Stripe's balance
transactions, and each booking's entries against each other (payments/services/reconcile.py). Prints every
difference, or "No differences."; exits with 1 when there are differences, 2 when Stripe does not answer.

`--fix` lists what the money round would do for lost answers (payments and refunds asked of Stripe, charges
that name a payment of ours applied to it) without doing it; `--fix --apply` does it, then compares again."""

import datetime as dt
import sys

import stripe
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from payments.services.reconcile import ledger_reconcile, reconcile_fix


class Command(BaseCommand):
    help = "Compare the ledger with Stripe's balance transactions and print every difference."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--since", type=int, default=None, metavar="DAYS", help="Only what was written in the last DAYS days."
        )
        parser.add_argument(
            "--fix", action="store_true", help="List what would repair lost answers (a dry run unless --apply)."
        )
        parser.add_argument("--apply", action="store_true", help="With --fix: do it.")

    def handle(self, *args, **options) -> None:
        days = options["since"]
        if days is not None and days <= 0:
            raise CommandError("--since takes a number of days above 0.")
        if options["apply"] and not options["fix"]:
            raise CommandError("--apply goes with --fix.")
        since = timezone.now() - dt.timedelta(days=days) if days is not None else None
        try:
            if options["fix"]:
                actions = reconcile_fix(apply=options["apply"])
                for action in actions:
                    self.stdout.write(action)
                if not options["apply"]:
                    self.stdout.write(f"{len(actions)} repair(s) to make: run again with --apply to make them.")
                    return
                self.stdout.write(f"{len(actions)} repair(s) made.")
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
