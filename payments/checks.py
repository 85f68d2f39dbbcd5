"""The deploy check (manage.py check --deploy): a production site must take money through Stripe itself,
not through the embedded localstripe that stands in for it on a developer's machine."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def stripe_keys_set(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if not settings.STRIPE_LOCAL:
        if settings.STRIPE_WEBHOOK_SECRET and settings.STRIPE_PUBLISHABLE_KEY:
            return []
        return [
            checks.Warning(
                "STRIPE_SECRET_KEY is set without STRIPE_PUBLISHABLE_KEY or STRIPE_WEBHOOK_SECRET: the pay page "
                "cannot load Stripe.js, or Stripe's events cannot be verified.",
                hint="Set all three Stripe variables (see docs/configuration.md).",
                id="payments.W002",
            )
        ]
    return [
        checks.Warning(
            "STRIPE_SECRET_KEY is not set, so payments go to localstripe, a local test server.",
            hint="Set STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET (see docs/configuration.md).",
            id="payments.W001",
        )
    ]
