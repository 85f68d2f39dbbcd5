"""A band's month of availability as a one-page PDF: for its members and a share link's holder, with
nothing private on it; a bad month is refused."""

import datetime as dt
import shutil
import subprocess
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from bands.models import BandBlock
from bands.services import band_block_create
from bookings.models import Booking, ShareLink
from bookings.tests.factories import BookingFactory, SlotFactory
from bookings.tests.test_detail_views import make_world
from documents.models import RenderedPdf

pytestmark = pytest.mark.django_db


def next_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


@pytest.fixture
def world():
    w = make_world()
    tz = zoneinfo.ZoneInfo(w.band.time_zone)
    w.month = next_month(timezone.now().astimezone(tz).date())
    # A booked gig on the 10th of next month, at a venue whose name must not leave the band.
    starts = dt.datetime.combine(w.month.replace(day=10), dt.time(20), tzinfo=tz)
    slot = SlotFactory(venue=w.venue, starts_at=starts, ends_at=starts + dt.timedelta(hours=3))
    w.gig = BookingFactory(band=w.band, slot=slot, status=Booking.Status.BOOKED, requested_by=w.leader)
    # The whole band busy on the 12th for a reason no promoter may read.
    band_block_create(
        band=w.band,
        by=w.leader,
        title="Secret studio session",
        kind=BandBlock.Kind.REHEARSAL,
        start_date=w.month.replace(day=12),
        start_time=dt.time(17),
        end_date=w.month.replace(day=12),
        end_time=dt.time(23, 59),
    )
    w.link = ShareLink.objects.create(band=w.band, label="Rockpalast", created_by=w.leader)
    return w


def pdf_text(data: bytes) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)  # noqa: S607
    return done.stdout.decode()


def pdf_info(data: bytes) -> str:
    if not shutil.which("pdfinfo"):
        pytest.skip("pdfinfo (poppler-utils) is not installed")
    return subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout.decode()  # noqa: S607


def test_a_member_downloads_the_month_as_one_landscape_page(client, world):
    client.force_login(world.member)
    url = reverse("documents:band_availability_pdf", args=[world.band.slug])
    response = client.get(url, {"month": f"{world.month:%Y-%m}"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{world.band.slug}-availability-{world.month:%Y-%m}.pdf"' in response["Content-Disposition"]
    data = response.content
    assert data.startswith(b"%PDF")
    info = pdf_info(data)
    assert "Pages:           1" in info
    assert "841.89 x 595.27" in info  # A4 landscape
    text = pdf_text(data)
    assert "The Night Shift" in text
    # The legend names each once; the days carry them too (the 10th booked, evenings free).
    assert text.count("Booked") >= 2 and text.count("Available") > 10
    assert f"/share/{world.link.token}/" in text  # the live share link is printed on it
    # No private detail: no venue, no member's name, no reason.
    for private in ("Kellerbar", "Max Member", "Secret studio", world.leader.name):
        assert private not in text


def test_the_same_month_again_is_the_kept_pdf(client, world):
    client.force_login(world.leader)
    url = reverse("documents:band_availability_pdf", args=[world.band.slug])
    first = client.get(url, {"month": f"{world.month:%Y-%m}"}).content
    kept = RenderedPdf.objects.count()
    assert client.get(url, {"month": f"{world.month:%Y-%m}"}).content == first
    assert RenderedPdf.objects.count() == kept


def test_without_a_share_link_the_pdf_says_how_to_make_one(client, world):
    world.link.revoked_at = timezone.now()
    world.link.save(update_fields=["revoked_at"])
    client.force_login(world.leader)
    response = client.get(reverse("documents:band_availability_pdf", args=[world.band.slug]))
    text = pdf_text(response.content)
    assert "No share link yet" in text and "/share/" not in text.replace("/manage/share/", "")


def test_a_share_links_holder_gets_it_without_an_account(client, world):
    url = reverse("documents:share_availability_pdf", args=[world.link.token])
    response = client.get(url, {"month": f"{world.month:%Y-%m}"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["Referrer-Policy"] == "no-referrer"
    world.link.revoked_at = timezone.now()
    world.link.save(update_fields=["revoked_at"])
    assert client.get(url).status_code == 404
    assert client.get(reverse("documents:share_availability_pdf", args=["x" * 43])).status_code == 404


def test_only_the_bands_members_download_it(client, world):
    url = reverse("documents:band_availability_pdf", args=[world.band.slug])
    for outsider in (world.other_leader, world.owner, world.client, world.other_client):
        client.force_login(outsider)
        assert client.get(url).status_code == 403
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(world.leader)
    assert client.get(reverse("documents:band_availability_pdf", args=["no-band"])).status_code == 404


@pytest.mark.parametrize("month", ["2026-13", "abc", "2026-1", "26-12", "2026-00", "2026-12-01"])
def test_a_month_that_is_not_one_is_refused(client, world, month):
    client.force_login(world.leader)
    response = client.get(reverse("documents:band_availability_pdf", args=[world.band.slug]), {"month": month})
    assert response.status_code == 400
    assert "2026-12" in response.content.decode()  # the message shows how to write one
    assert not RenderedPdf.objects.exists()


def test_a_month_ten_years_away_is_refused(client, world):
    far = f"{timezone.localdate().year + 10}-06"
    client.force_login(world.leader)
    response = client.get(reverse("documents:band_availability_pdf", args=[world.band.slug]), {"month": far})
    assert response.status_code == 400 and "too far away" in response.content.decode()
    share = reverse("documents:share_availability_pdf", args=[world.link.token])
    assert client.get(share, {"month": far}).status_code == 400
