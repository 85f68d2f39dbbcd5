"""The deploy check refuses a production site whose payments would go to localstripe."""

from django.test import override_settings

from payments.checks import stripe_keys_set


def test_no_stripe_keys_is_a_deploy_warning():
    with override_settings(STRIPE_LOCAL=True):
        assert [m.id for m in stripe_keys_set()] == ["payments.W001"]


def test_real_keys_without_the_webhook_secret_is_a_deploy_warning():
    with override_settings(STRIPE_LOCAL=False, STRIPE_PUBLISHABLE_KEY="pk_live_x", STRIPE_WEBHOOK_SECRET=""):
        assert [m.id for m in stripe_keys_set()] == ["payments.W002"]


def test_all_three_keys_pass():
    with override_settings(STRIPE_LOCAL=False, STRIPE_PUBLISHABLE_KEY="pk_live_x", STRIPE_WEBHOOK_SECRET="whsec_x"):
        assert stripe_keys_set() == []
