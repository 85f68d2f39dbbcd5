"""The Procfile's `release` line, once per deploy before the new nodes start: migrate, then write busy time out
to the end of the horizon as the nightly jobs do. A release that moves the horizon further (decision 0093)
must not leave the days between the old end and the new one unwritten until the first night, or the members'
check would call them free."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from availability.services import horizon, horizon_extend
from bands.services import band_blocks_extend


class Command(BaseCommand):
    help = "Migrate, then extend every person's and every band's busy time to the end of the horizon."

    def handle(self, *args, **options) -> None:
        call_command("migrate", interactive=False, verbosity=options["verbosity"])
        rules = horizon_extend()
        blocks = band_blocks_extend()
        _start, end = horizon()
        self.stdout.write(f"Busy time written out to {end:%Y-%m-%d}: {rules} rules and {blocks} band blocks extended.")
