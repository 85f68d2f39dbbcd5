"""The reads every signed-in request makes (session, person) with their SQL compiled once: the same rows
and errors as the ORM's, one query each, a session's expiry and a changed password still honoured."""

import datetime as dt
import threading

import pytest
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.db.prepared import PreparedRead

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def _fields(user: User) -> dict:
    return {f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields}


def test_a_person_by_key_is_the_row_the_orm_reads():
    user = UserFactory(display_name="Sam Rivera", time_zone="Europe/Berlin", language="de")
    user.last_login = timezone.now().replace(microsecond=123456)
    user.save()
    with CaptureQueriesContext(connection) as queries:
        fast = User.objects.get(pk=user.pk)
    assert len(queries) == 1
    slow = User.objects.filter(pk=user.pk).get()
    assert _fields(fast) == _fields(slow)
    assert isinstance(fast.last_login, dt.datetime) and fast.last_login.tzinfo is not None
    assert fast._state.adding is False and fast._state.db == "default"
    # A second call binds the new value into the SQL compiled by the first.
    other = UserFactory()
    assert User.objects.get(pk=other.pk).email == other.email


def test_a_missing_or_malformed_key_fails_as_the_orm_does():
    with pytest.raises(User.DoesNotExist):
        User.objects.get(pk=999_999)
    with pytest.raises(ValueError):
        User.objects.get(pk="not a number")
    # Other gets are the ORM's own.
    user = UserFactory(email="who@example.com")
    assert User.objects.get(email="who@example.com") == user


def test_a_read_inside_a_transaction_sees_its_writes():
    user = UserFactory(display_name="Before")
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(display_name="After")
        assert User.objects.get(pk=user.pk).display_name == "After"


def test_each_thread_compiles_for_its_own_connection():
    user = UserFactory()
    read = PreparedRead(User, ["pk"])
    found = []

    def other_thread():
        try:
            found.append(read(user.pk))
        finally:
            connection.close()

    assert read(user.pk)[0].pk == user.pk
    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    # The other thread has its own connection (on SQLite in tests, its own empty in-memory view or
    # the same file): it answered without touching this thread's compiled query.
    assert len(found) == 1


def test_a_new_thread_warmed_up_has_every_read_compiled_for_its_connection():
    """A web worker warms each request thread before it accepts (stageslot.warm.threads_warm_up): the thread's
    first signed-in request then binds values into SQL compiled already."""
    from core.db import prepared
    from core.web.sessions import _SESSION_DATA

    compiled = {}

    def warmed():
        try:
            prepared.thread_warm_up()
            compiled.update(prepared._local.__dict__.get("reads", {}))
        finally:
            connection.close()

    thread = threading.Thread(target=warmed)
    thread.start()
    thread.join()
    by_read = {key[0]: entry for key, entry in compiled.items()}
    for read in (_SESSION_DATA, prepared_user_read()):
        assert by_read.get(id(read)), f"{read.model.__name__} by {read.given} was not compiled"


def prepared_user_read():
    from accounts.models import _USER_BY_PK

    return _USER_BY_PK


def test_a_session_read_by_its_key_signs_in_and_an_expired_one_does_not(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("dashboard")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_a_changed_password_still_ends_other_sessions(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("dashboard")).status_code == 200
    user.set_password("a-new-long-passphrase-9")
    user.save()
    assert client.get(reverse("dashboard")).status_code == 302


def test_a_signed_in_request_reads_the_session_and_the_person_once_each(client):
    user = UserFactory()
    client.force_login(user)
    client.get(reverse("notifications:bell"), HTTP_HX_REQUEST="true")
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("notifications:bell"), HTTP_HX_REQUEST="true")
    tables = [q["sql"].split(" FROM ")[1].split()[0].strip('"') for q in queries.captured_queries]
    assert tables[:2] == ["django_session", "accounts_user"]


# ---- CompiledSQL: a query compiled once per shape -------------------------------------------------


def _booking_ids(*, band_ids, after, client_id, with_client):
    from django.db.models import Q

    from bookings.models import Booking

    q = Q(band_id__in=band_ids) & Q(starts_at__gt=after)
    if with_client:
        q |= Q(client_id=client_id)
    return Booking.objects.filter(q).order_by("pk").values_list("pk", flat=True)


def _run(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def test_a_kept_shape_binds_each_value_where_the_orm_would():
    from bookings.tests.factories import BookingFactory, in_days
    from core.db.prepared import COMPILED, CompiledSQL

    bookings = [BookingFactory(starts_at=in_days(d)) for d in (-3, 2, 5, 9)]
    other = UserFactory()
    from bookings.models import Booking

    mine = BookingFactory(
        slot=None, venue=None, kind=Booking.Kind.REQUEST, client=other, requested_by=other, starts_at=in_days(-10)
    )
    compiled = CompiledSQL(_booking_ids)
    cases = [
        {
            "band_ids": [b.band_id for b in bookings[:2]],
            "after": in_days(0),
            "client_id": other.pk,
            "with_client": True,
        },
        {
            "band_ids": [b.band_id for b in bookings[2:]],
            "after": in_days(6),
            "client_id": other.pk,
            "with_client": True,
        },
        {
            "band_ids": [bookings[0].band_id, bookings[3].band_id],
            "after": in_days(-5),
            "client_id": 0,
            "with_client": True,
        },
        {"band_ids": [b.band_id for b in bookings], "after": in_days(1), "client_id": other.pk, "with_client": False},
        {"band_ids": [], "after": in_days(1), "client_id": other.pk, "with_client": True},
    ]
    for values in cases:
        assert _run(*compiled(**values)) == list(_booking_ids(**values)), values
    kept = [entry for key, entry in COMPILED.items() if key[0] == id(compiled)]
    assert len(kept) == 3 and all(kept)  # the three cases with two bands share a shape; each shape was kept
    assert mine.pk in _run(*compiled(**cases[0]))


def _derived(*, after):
    from bookings.models import Booking

    return Booking.objects.filter(starts_at__gt=after - dt.timedelta(days=1)).values_list("pk", flat=True)


def test_a_value_worked_out_from_another_is_never_kept_and_still_bound_right():
    from bookings.tests.factories import BookingFactory, in_days
    from core.db.prepared import COMPILED, CompiledSQL

    soon = BookingFactory(starts_at=in_days(3))
    compiled = CompiledSQL(_derived)
    assert _run(*compiled(after=in_days(3))) == [soon.pk]
    assert _run(*compiled(after=in_days(5))) == []
    assert [entry for key, entry in COMPILED.items() if key[0] == id(compiled)] == [False]


def _with_related(*, band_ids, after):
    from django.db.models import Count

    from bookings.models import Booking

    return (
        Booking.objects.filter(band_id__in=band_ids, starts_at__gt=after)
        .select_related("band")
        .annotate(n_answers=Count("pk"))
        .order_by("pk")
    )


def test_instances_are_what_the_orms_iterator_gives():
    from bookings.tests.factories import BookingFactory, in_days
    from core.db.prepared import CompiledSQL

    bookings = [BookingFactory(starts_at=in_days(d)) for d in (1, 2, 3)]
    compiled = CompiledSQL(_with_related)
    for after in (in_days(0), in_days(2)):
        values = {"band_ids": [b.band_id for b in bookings], "after": after}
        expected = list(_with_related(**values))
        with CaptureQueriesContext(connection) as queries:
            found = compiled.instances(**values)
            names = [(b.pk, b.band.name, b.n_answers, b.starts_at) for b in found]
        assert len(queries) == 1  # the related band came with its booking
        assert names == [(b.pk, b.band.name, b.n_answers, b.starts_at) for b in expected]
        assert all(b._state.adding is False for b in found)


def _by_email(*, email, flag):
    q = User.objects.filter(email=email)
    return q.filter(is_active=True) if flag else q


def test_a_named_text_value_is_bound_not_kept_in_the_shape():
    from core.db.prepared import COMPILED, CompiledSQL

    people = [UserFactory(email=f"p{i}@example.com") for i in range(3)]
    compiled = CompiledSQL(_by_email, text=("email",))
    for person in people:
        assert [u.pk for u in compiled.instances(email=person.email, flag=True)] == [person.pk]
    assert compiled.instances(email="nobody@example.com", flag=True) == []
    assert [u.pk for u in compiled.instances(email=people[0].email, flag=False)] == [people[0].pk]
    kept = [entry for key, entry in COMPILED.items() if key[0] == id(compiled)]
    assert len(kept) == 2 and all(kept)  # one shape per flag, whatever the address


@pytest.mark.db_specific  # one round trip and the names from the result on PostgreSQL
def test_statements_read_together_give_each_its_rows_in_one_round_trip_on_postgresql():
    from core.db.prepared import fetch_rows_together

    users = [UserFactory(display_name=f"Player {i}") for i in range(3)]
    statements = [
        ("SELECT id, email FROM accounts_user WHERE id = %s", [users[0].pk]),
        ("SELECT id FROM accounts_user WHERE id IN (%s, %s) ORDER BY id", [users[1].pk, users[2].pk]),
        ("SELECT id FROM accounts_user WHERE id = %s", [-1]),
    ]
    with CaptureQueriesContext(connection) as queries:
        one, two, none = fetch_rows_together(statements, model=User)
    assert len(queries) == (1 if connection.vendor == "postgresql" else 3)
    assert one.columns == ("id", "email") and one.rows == [(users[0].pk, users[0].email)]
    assert two.rows == [(users[1].pk,), (users[2].pk,)] and none.rows == []


@pytest.mark.db_specific  # one round trip and the names from the result on PostgreSQL
def test_column_names_are_the_drivers_names_on_either_database():
    """Read from the result itself on PostgreSQL (no description object per column), the same names as the
    driver's description: quoted, upper case, non-ASCII and repeated names too, and for each result of several."""
    from core.db.prepared import column_names, fetch_rows_together

    sql = 'SELECT 1 AS "Größe", 2 AS plain, 3 AS "Two Words", 4 AS plain, NULL AS "ä"'
    with connection.cursor() as cursor:
        cursor.execute(sql)
        assert column_names(cursor) == tuple(column[0] for column in cursor.description)
        assert column_names(cursor) == ("Größe", "plain", "Two Words", "plain", "ä")
    first, second = fetch_rows_together([(sql, []), ("SELECT 5 AS five", [])], model=User)
    assert first.columns == ("Größe", "plain", "Two Words", "plain", "ä") and second.columns == ("five",)


def _busy_of(*, user_ids, exclude_source_id):
    from availability.models import BusyInterval

    return BusyInterval.objects.filter(user_id__in=user_ids).exclude(source_id=exclude_source_id).order_by("pk")


def test_a_value_on_a_positive_field_is_bound_for_every_later_call():
    """A stand-in out of a field's range would make the ORM drop its lookup (Django leaves out a comparison with a
    value no row can hold): the kept SQL would then leave out that condition for every later value too. The
    stand-ins are in range, and a shape whose SQL for the values given differs from the stand-ins' is never kept."""
    from availability.models import BusyInterval
    from core.db.prepared import COMPILED, CompiledSQL

    person = UserFactory()
    start = timezone.now()
    rows = [
        BusyInterval.objects.create(
            user=person, starts_at=start, ends_at=start + dt.timedelta(hours=1), source="gig", source_id=n
        )
        for n in (7, 8)
    ]
    compiled = CompiledSQL(_busy_of)
    for left_out, kept in ((7, rows[1]), (8, rows[0])):
        found = compiled.instances(user_ids=[person.pk], exclude_source_id=left_out)
        assert [row.pk for row in found] == [kept.pk]
    assert all(entry for key, entry in COMPILED.items() if key[0] == id(compiled))
