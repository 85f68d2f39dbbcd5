"""The one router for reads that may be a moment old (core/db/replica.py): which reads go to the replica, the
person who just wrote reading the primary, and the lag bound. The replica here is a second connection to the
test database (what a caught-up replica answers); stageslot/tests/test_replica_cluster.py runs a real one."""

import time

import pytest
from django.core.cache.backends.db import DatabaseCache
from django.core.signing import Signer
from django.db import DEFAULT_DB_ALIAS, transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bands.models import Band
from bands.tests.factories import BandFactory, MembershipFactory
from core.db import replica as replicas

from .replicas import reads_on_replica, replica_alias

pytestmark = pytest.mark.django_db(transaction=True)


def _reads_band(tables: list[str]) -> bool:
    return any(name.startswith("bands_band") for name in tables)


def _with_cookie(value: str) -> Client:
    client = Client()
    client.cookies[replicas.PIN_COOKIE] = value
    return client


def test_without_a_replica_every_read_is_on_the_primary_and_no_cookie_is_set():
    band = BandFactory()
    assert not replicas.replica_configured()
    assert Client().get(reverse("bands:detail", args=[band.slug])).status_code == 200
    fan = Client()
    fan.force_login(UserFactory())
    followed = fan.post(reverse("fans:follow", args=["band", band.pk]))
    assert followed.status_code == 302
    assert replicas.PIN_COOKIE not in followed.cookies
    assert replicas.PIN_COOKIE not in Client().get(reverse("privacy_notice")).content.decode()


def test_a_public_page_reads_from_the_replica_and_a_page_that_decides_does_not():
    member = UserFactory()
    band = MembershipFactory(user=member, band=BandFactory()).band
    with replica_alias():
        with reads_on_replica() as tables:
            page = Client().get(reverse("bands:detail", args=[band.slug]))
        assert page.status_code == 200 and band.name in page.content.decode()
        assert _reads_band(tables), tables
        assert replicas.PIN_COOKIE not in page.cookies  # a page read only: no pin, caches may keep it
        # Signed in: the session (who is asking) is read on the primary, the band from the replica.
        signed_in = Client()
        signed_in.force_login(member)
        with reads_on_replica() as tables:
            assert signed_in.get(reverse("bands:detail", args=[band.slug])).status_code == 200
        assert _reads_band(tables) and "django_session" not in tables
        # A page not marked (the band's own calendar) reads nothing there.
        with reads_on_replica() as tables:
            assert signed_in.get(reverse("bands:calendar", args=[band.slug])).status_code == 200
        assert tables == []


def test_inside_a_marked_view_a_transaction_and_anything_after_a_write_read_the_primary():
    band = BandFactory()
    router = replicas.ReplicaRouter()
    with replica_alias():
        token = replicas._from_replica.set(True)
        try:
            assert router.db_for_read(Band) == replicas.REPLICA
            # The database cache (limits' counts without Redis) is read where it is written.
            assert router.db_for_read(DatabaseCache("limits", {}).cache_model_class) == DEFAULT_DB_ALIAS
            read = Band.objects.get(pk=band.pk)
            assert read._state.db == replicas.REPLICA
            with transaction.atomic():
                assert router.db_for_read(Band) == DEFAULT_DB_ALIAS
                assert Band.objects.get(pk=band.pk)._state.db == DEFAULT_DB_ALIAS
            assert router.db_for_read(Band) == replicas.REPLICA
            read.name = "Renamed"
            read.save()  # to the primary, never to the replica it was read from
            assert router.db_for_read(Band) == DEFAULT_DB_ALIAS  # the view reads its own write
        finally:
            replicas._from_replica.reset(token)
        assert router.db_for_read(Band) == DEFAULT_DB_ALIAS  # outside a marked view
    assert Band.objects.get(pk=band.pk).name == "Renamed"
    with replica_alias():
        token = replicas._from_replica.set(True)
        try:
            with transaction.atomic():
                Band.objects.select_for_update().get(pk=band.pk)  # a lock: what follows decides
            assert router.db_for_read(Band) == DEFAULT_DB_ALIAS
        finally:
            replicas._from_replica.reset(token)
    assert router.allow_migrate(replicas.REPLICA, "bands") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "bands") is None


def test_after_a_write_the_person_reads_the_primary_for_a_while(settings, monkeypatch):
    band = BandFactory()
    fan = Client()
    fan.force_login(UserFactory())
    url = reverse("bands:detail", args=[band.slug])
    with replica_alias():
        # A POST refused changes nothing: no pin.
        refused = fan.post(reverse("fans:follow_button", args=["band", band.pk]))
        assert refused.status_code == 405 and replicas.PIN_COOKIE not in refused.cookies
        followed = fan.post(reverse("fans:follow", args=["band", band.pk]))
        assert followed.status_code == 302
        pin = followed.cookies[replicas.PIN_COOKIE]
        assert pin["max-age"] == settings.DATABASE_REPLICA_PIN_SECONDS and pin["httponly"]
        assert replicas.PIN_COOKIE in Client().get(reverse("privacy_notice")).content.decode()  # the notice names it
        with reads_on_replica() as tables:
            page = fan.get(url)
        assert page.status_code == 200 and tables == []
        # Another node answers the same: the cookie is signed with the site's key, not kept by a process.
        with reads_on_replica() as tables:
            assert _with_cookie(pin.value).get(url).status_code == 200
        assert tables == []
        # Its time over (or one the person wrote themselves): the replica again.
        later = time.time() + settings.DATABASE_REPLICA_PIN_SECONDS + 1
        monkeypatch.setattr(replicas.time, "time", lambda: later)
        with reads_on_replica() as tables:
            assert fan.get(url).status_code == 200
        assert _reads_band(tables)
        forged = Signer(salt=replicas.PIN_SALT).sign(f"{later + 3600:.3f}") + "x"
        with reads_on_replica() as tables:
            assert _with_cookie(forged).get(url).status_code == 200
        assert _reads_band(tables)


def test_a_request_that_wrote_pins_the_person_whatever_its_method():
    def writes(request):
        UserFactory()
        return HttpResponse("ok")

    with replica_alias():
        wrote = replicas.ReadYourWritesMiddleware(writes)(RequestFactory().get("/"))
        assert replicas.PIN_COOKIE in wrote.cookies
        quiet = replicas.ReadYourWritesMiddleware(lambda request: HttpResponse("ok"))(RequestFactory().get("/"))
        assert replicas.PIN_COOKIE not in quiet.cookies


def test_past_the_lag_bound_or_unanswered_reads_go_to_the_primary_and_the_lag_is_read_once_a_while(
    settings, monkeypatch
):
    band = BandFactory()
    url = reverse("bands:detail", args=[band.slug])
    readings = []
    lag = [0.5]

    def read_lag():
        readings.append(lag[0])
        return lag[0]

    monkeypatch.setattr(replicas, "_read_lag", read_lag)
    settings.DATABASE_REPLICA_MAX_LAG = 5.0
    with replica_alias():
        for _ in range(3):
            with reads_on_replica() as tables:
                assert Client().get(url).status_code == 200
            assert _reads_band(tables)
        assert len(readings) == 1  # one reading for LAG_READ_EVERY seconds
        for behind in (30.0, None):
            lag[0] = behind
            replicas.replica_lag_forget()
            with reads_on_replica() as tables:
                assert Client().get(url).status_code == 200
            assert tables == []
        lag[0] = 2.0
        metrics = Client().get(reverse("metrics"), REMOTE_ADDR="127.0.0.1").content.decode()
        assert "stageslot_replica_lag_seconds 2.0" in metrics
        lag[0] = None
        metrics = Client().get(reverse("metrics"), REMOTE_ADDR="127.0.0.1").content.decode()
        assert "stageslot_replica_lag_seconds NaN" in metrics
    metrics = Client().get(reverse("metrics"), REMOTE_ADDR="127.0.0.1").content.decode()
    assert "stageslot_replica_lag_seconds" not in metrics


def test_check_warns_when_the_pin_is_shorter_than_the_lag_bound(monkeypatch):
    from stageslot import checks

    values = {"DATABASES": {"default": {}}, "DATABASE_REPLICA_MAX_LAG": 5.0, "DATABASE_REPLICA_PIN_SECONDS": 2}
    monkeypatch.setattr(checks, "settings", type("Settings", (), values))
    assert checks.replica_pin_covers_lag() == []  # no replica
    checks.settings.DATABASES["replica"] = {}
    assert [w.id for w in checks.replica_pin_covers_lag()] == ["stageslot.W003"]
    checks.settings.DATABASE_REPLICA_PIN_SECONDS = 10
    assert checks.replica_pin_covers_lag() == []


def test_the_replica_alias_takes_the_primarys_connection_settings():
    from stageslot.settings.base import replica_database

    primary = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "site",
        "HOST": "db1",
        "CONN_MAX_AGE": 60,
        "OPTIONS": {"prepare_threshold": None},
        "DISABLE_SERVER_SIDE_CURSORS": True,
    }
    made = replica_database("postgres://reader@db2:5433/site", primary)
    assert (made["HOST"], made["PORT"], made["USER"], made["NAME"]) == ("db2", 5433, "reader", "site")
    assert made["OPTIONS"] == {"prepare_threshold": None, "connect_timeout": 2}
    assert made["DISABLE_SERVER_SIDE_CURSORS"] is True and made["CONN_MAX_AGE"] == 60
    assert made["TEST"] == {"MIRROR": "default"}
    with pytest.raises(Exception, match="PostgreSQL replica"):
        replica_database("sqlite:///other.sqlite3", primary)
