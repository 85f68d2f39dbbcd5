"""`make run` / `make serve`: Django's development server, with a short start-up that ends with the
address and the demo logins (checks ran with migrate, so they are not repeated here)."""

import sys

from django.conf import settings
from django.contrib.staticfiles.management.commands.runserver import Command as RunserverCommand

from .seed_demo import demo_logins


class Command(RunserverCommand):
    help = "Serve StageSlot locally and print where it runs and how to log in."

    def inner_run(self, *args, **options):
        options["skip_checks"] = True
        return super().inner_run(*args, **options)

    def on_bind(self, server_port) -> None:
        addr = f"[{self.addr}]" if self._raw_ipv6 else ("0.0.0.0" if self.addr == "0" else self.addr)  # noqa: S104
        url = f"{self.protocol}://{addr}:{server_port}/"
        quit_command = "CTRL-BREAK" if sys.platform == "win32" else "CONTROL-C"
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"StageSlot is running at {url}"))
        self.stdout.write(demo_logins(settings.SITE_URL or url))
        self.stdout.write(f"For trying it out on this computer only. Stop it with {quit_command}.\n")
