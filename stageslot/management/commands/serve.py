"""`make run` / `make serve`: Django's development server, with a short start-up that ends with the
address and the demo logins (checks ran with migrate, so they are not repeated here). Without Stripe's
keys it starts localstripe first and has it send its events to this server's webhook."""

import os
import sys

from django.conf import settings
from django.contrib.staticfiles.management.commands.runserver import Command as RunserverCommand
from django.core.management import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV

from payments import localstripe

from .seed_demo import demo_logins


class Command(RunserverCommand):
    help = "Serve StageSlot locally and print where it runs and how to log in."

    def run(self, **options):
        # The autoreloader runs this again in a child process per code change: localstripe starts once,
        # from the first process, and lives as long as it does.
        if settings.STRIPE_LOCAL and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true":
            self.start_localstripe()
        super().run(**options)

    def inner_run(self, *args, **options):
        options["skip_checks"] = True
        if settings.CELERY_TASK_ALWAYS_EAGER:
            # No Redis, so no beat: the periodic tasks (the money round among them) run in this process.
            from stageslot.periodic import start_in_process

            start_in_process()
        return super().inner_run(*args, **options)

    def own_url(self) -> str:
        """This server's address as seen from this machine (0.0.0.0 and :: are reached on loopback)."""
        if self._raw_ipv6:
            host = "[::1]" if self.addr == "::" else f"[{self.addr}]"
        else:
            host = "127.0.0.1" if self.addr in {"0", "0.0.0.0"} else self.addr  # noqa: S104
        return f"{self.protocol}://{host}:{self.port}"

    def start_localstripe(self) -> str:
        """Start localstripe (its objects and log kept in .cache/) unless it runs, and point its webhook here."""
        port = settings.STRIPE_LOCAL_PORT
        cache = settings.BASE_DIR / ".cache"
        cache.mkdir(exist_ok=True)
        try:
            return localstripe.ensure_running(
                port,
                webhook_url=self.own_url() + localstripe.WEBHOOK_PATH,
                state=cache / f"localstripe-{port}.pickle",
                log=cache / f"localstripe-{port}.log",
            )
        except localstripe.LocalstripeError as exc:
            raise CommandError(f"{exc}. Set STAGESLOT_LOCALSTRIPE_PORT to use another port.") from exc

    def browser_url(self, server_port) -> str:
        """The address to open: `localhost` for a loopback or every-address bind, since passkeys refuse an
        address made of numbers (accounts/templatetags/passkeys.py); the bound address otherwise."""
        if self.addr in {"0", "0.0.0.0", "::", "127.0.0.1", "::1", "localhost"}:  # noqa: S104
            return f"{self.protocol}://localhost:{server_port}/"
        addr = f"[{self.addr}]" if self._raw_ipv6 else self.addr
        return f"{self.protocol}://{addr}:{server_port}/"

    def on_bind(self, server_port) -> None:
        url = self.browser_url(server_port)
        quit_command = "CTRL-BREAK" if sys.platform == "win32" else "CONTROL-C"
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"StageSlot is running at {url}"))
        self.stdout.write(demo_logins(settings.SITE_URL or url))
        if settings.STRIPE_LOCAL:
            self.stdout.write(
                f"Payments run in test mode against localstripe at {settings.STRIPE_API_BASE}: no money moves "
                "(card 4242 4242 4242 4242 pays, 4000 0000 0000 0341 is declined)."
            )
        self.stdout.write(f"For trying it out on this computer only. Stop it with {quit_command}.\n")
