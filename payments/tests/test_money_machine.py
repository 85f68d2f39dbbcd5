"""The money state machine (payments/tests/money_machine.py) run for a bounded number of sequences; a
longer run is benchmarks/money_machine.py. Failing sequences Hypothesis found are kept below as tests."""

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from payments.tests.money_machine import MoneyMachine

pytestmark = [pytest.mark.django_db]


def run(proxy, port, **limits):
    machine = type("Machine", (MoneyMachine,), {"proxy": proxy, "port": port})
    run_state_machine_as_test(
        machine,
        settings=settings(
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
            **limits,
        ),
    )


def test_money_holds_under_random_sequences_with_lost_answers_and_forged_events(stripe_proxy, localstripe):
    run(stripe_proxy, localstripe.port, max_examples=8, stateful_step_count=14)
