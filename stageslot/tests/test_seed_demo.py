import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command

from accounts.models import User
from bands.models import ApprovalStatus, Band, BandInvite, Genre, Membership
from venues.models import Venue, VenueInvite

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Band.objects.count(),
        Membership.objects.count(),
        Venue.objects.count(),
        Genre.objects.count(),
        EmailAddress.objects.count(),
    )


def test_seed_builds_a_small_world_and_running_twice_duplicates_nothing(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first
    assert Band.objects.filter(status=ApprovalStatus.APPROVED).count() >= 8
    assert Band.objects.filter(status=ApprovalStatus.PENDING).exists()
    assert Venue.objects.count() >= 4
    assert User.objects.filter(memberships__isnull=False).distinct().count() >= 20
    assert len(set(Band.objects.values_list("city", flat=True))) >= 4
    assert User.objects.filter(is_staff=True).exists()
    assert "stageslot-demo" in capsys.readouterr().out
    # Most bands show a full press kit; invites wait for both a band and a venue.
    full = Band.objects.exclude(tagline="").exclude(fee_min=None).filter(photos__isnull=False).distinct()
    assert full.count() >= 8
    assert BandInvite.objects.exists()
    assert VenueInvite.objects.exists()
    assert all(v.stages.exists() and v.photos.exists() for v in Venue.objects.all())


def test_demo_logins_work(client, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    response = client.post("/accounts/login/", {"login": "mara@demo.stageslot.test", "password": "stageslot-demo"})
    assert response.status_code == 302
    assert client.get("/dashboard/").status_code == 200


def test_seed_refuses_to_run_without_debug_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
    call_command("seed_demo", "--force")
    assert Band.objects.exists()
