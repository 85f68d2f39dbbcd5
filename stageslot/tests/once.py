"""Rows a whole test module reads, made once for it instead of once per test.

    @pytest.fixture(scope="module")
    def shared_world(django_db_setup, django_db_blocker):
        with rows_for_the_module(django_db_blocker):
            yield world()

    pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("my_module")]

The rows are made in a transaction that stays open for the module's tests and is rolled back after the last
one; each test runs in a savepoint of its own inside it (pytest-django's `django_db`), so what a test changes
is gone before the next one starts, as if the rows had been made for it alone. Give the module an
`xdist_group` of its own, so that pytest-xdist runs its tests one after another in one process: a test of
another module in between would close the transaction, and the next test of this one would make the rows
again. Not for modules with transactional tests (`transaction=True`, `live_server`), threads or processes
that open connections of their own: they would not see rows that were never committed, and on SQLite they
would wait for the open transaction's write lock.
"""

import contextlib
from collections.abc import Iterator

from django.db import models, transaction

from bookings.tests.factories import SlotFactory


@contextlib.contextmanager
def rows_for_the_module(django_db_blocker) -> Iterator[None]:
    """Inside: rows every test of the module sees, rolled back when the module's last test has run."""
    with django_db_blocker.unblock(), transaction.atomic():
        # Slots start 10, 11, 12… days ahead in the order they are made, from the first (as in every test).
        SlotFactory.reset_sequence(0)
        yield
        transaction.set_rollback(True)


def as_it_is_now(world):
    """The module's world for one test: each row it holds read again, since a test before may have changed one in
    memory (`refresh_from_db`, a field set) and its own changes to the database were rolled back since."""
    for value in (world if isinstance(world, dict) else vars(world)).values():
        if isinstance(value, models.Model):
            value.refresh_from_db()
    return world
