"""`make run` / `make serve`: this checkout's side servers (Radicale, localstripe), the demo data when asked,
and the development server, all stopped together (stageslot/local_run.py)."""

import sys

from django.conf import settings
from django.core.management import BaseCommand, CommandError

from core.local_servers import SideServerError
from stageslot.local_run import LocalRun, address_split, main


class Command(BaseCommand):
    help = "Start Radicale and localstripe on ports of their own, load the demo data (--seed) and serve."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000", help="[address:]port to serve on")
        parser.add_argument("--seed", action="store_true", help="load the demo data before serving")
        parser.add_argument(
            "--migrate", action="store_true", help="migrate the database first (once no other run holds this checkout)"
        )

    def handle(self, *args, **options):
        try:
            address_split(options["addrport"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        run = LocalRun(
            cache=settings.BASE_DIR / ".cache",
            addrport=options["addrport"],
            radicale_port=settings.RADICALE_PORT,
            localstripe_port=settings.STRIPE_LOCAL_PORT if settings.STRIPE_LOCAL else None,
            out=self.stdout,
        )
        try:
            code = main(run, seed=options["seed"], migrate=options["migrate"])
        except SideServerError as exc:
            raise CommandError(str(exc)) from exc
        if code:
            sys.exit(code)
