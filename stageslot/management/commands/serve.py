"""`make run` / `make serve`: Django's development server, with a short start-up that ends with the
address and the demo logins (checks ran with migrate, so they are not repeated here). `manage.py run_local`
starts it, after the side servers it talks to (localstripe without Stripe's keys, Radicale), and stops
it with them (stageslot/local_run.py)."""

import sys

from django.conf import settings
from django.contrib.staticfiles.management.commands.runserver import Command as RunserverCommand

from stageslot.local_run import browser_url

from .seed_demo import demo_logins


class Command(RunserverCommand):
    help = "Serve StageSlot locally and print where it runs and how to log in."

    def inner_run(self, *args, **options):
        options["skip_checks"] = True
        if settings.CELERY_TASK_ALWAYS_EAGER:
            # No Redis, so no beat: the periodic tasks (the money round among them) run in this process.
            from stageslot.periodic import start_in_process

            start_in_process()
        return super().inner_run(*args, **options)

    def browser_url(self, server_port) -> str:
        """The address to open: `localhost` for a loopback or every-address bind, since passkeys refuse an
        address made of numbers (accounts/templatetags/passkeys.py); the bound address otherwise."""
        return browser_url(self.addr, server_port, protocol=self.protocol)

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
