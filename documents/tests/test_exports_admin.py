"""The admin's lists export through django-import-export: for staff who may view the model, export
only (no import), with the list's filters; every list still loads."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import NoReverseMatch, reverse

from accounts.tests.factories import UserFactory
from bookings.models import Booking
from bookings.tests.test_detail_views import make_world
from payments.models import LedgerEntry, Payment

pytestmark = pytest.mark.django_db

EXPORTED = {
    "bookings_booking": "bookingresource_",
    "payments_payment": "paymentresource_",
    "payments_ledgerentry": "ledgerentryresource_",
    "reviews_review": "reviewresource_",
    "venues_slot": "slotresource_",
    "bands_band": "bandresource_",
}


@pytest.fixture
def world():
    w = make_world()
    Payment.objects.create(
        booking=w.application,
        purpose=Payment.Purpose.DEPOSIT,
        status=Payment.Status.SUCCEEDED,
        amount_minor=12000,
        currency="EUR",
        reference="=2+2",
    )
    LedgerEntry.objects.create(kind=LedgerEntry.Kind.PAYMENT, amount_minor=12000, currency="EUR", booking=w.application)
    return w


@pytest.fixture
def staff():
    return UserFactory(is_staff=True, is_superuser=True)


def export_csv(client, model: str, query: str = "") -> str:
    """The export form of the list, posted asking for CSV with every field: the file's text."""
    url = reverse(f"admin:{model}_export") + query
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    formats = {
        label.strip(): value for value, label in re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', html)
    }
    fields = set(re.findall(r'name="([a-z]+resource_[a-z_]+)"', html))
    response = client.post(url, {"format": formats["csv"], "resource": "0", **dict.fromkeys(fields, "on")})
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/csv")
    return response.content.decode("utf-8")


@pytest.mark.parametrize("model", EXPORTED)
def test_every_exported_list_loads_with_its_export_button_and_no_import(client, staff, world, model):
    client.force_login(staff)
    html = client.get(reverse(f"admin:{model}_changelist")).content.decode()
    assert reverse(f"admin:{model}_export") in html
    assert "_import" not in html
    export_page = client.get(reverse(f"admin:{model}_export")).content.decode()
    assert f'name="{EXPORTED[model]}' in export_page  # its resource's fields to choose from


def test_staff_export_the_bookings_with_the_lists_filter(client, staff, world):
    client.force_login(staff)
    text = export_csv(client, "bookings_booking", "?kind__exact=request")
    assert str(world.request.uid) in text
    assert str(world.application.uid) not in text
    assert "Gut Kleinow" in text


def test_a_cell_that_would_run_as_a_formula_is_escaped(client, staff, world):
    client.force_login(staff)
    text = export_csv(client, "payments_payment")
    assert ",2+2," in text and "=2+2" not in text  # import-export takes the formula sign off


def test_export_is_for_staff_who_may_view_the_model(client, world):
    clerk = UserFactory(is_staff=True)
    client.force_login(clerk)
    assert client.get(reverse("admin:bookings_booking_export")).status_code == 403
    clerk.user_permissions.add(Permission.objects.get(codename="view_booking"))
    assert client.get(reverse("admin:bookings_booking_export")).status_code == 200
    assert client.get(reverse("admin:payments_payment_export")).status_code == 403
    client.force_login(world.leader)  # not staff at all: the admin's login
    response = client.get(reverse("admin:bookings_booking_export"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.logout()
    assert client.get(reverse("admin:bookings_booking_export")).status_code == 302


def test_nothing_is_imported_through_the_admin(client, staff, world):
    client.force_login(staff)
    for model in EXPORTED:
        with pytest.raises(NoReverseMatch):
            reverse(f"admin:{model}_import")
    before = Booking.objects.count()
    response = client.post("/admin/bookings/booking/import/", {})
    assert response.status_code in {302, 404}  # the admin's "no such object", never an import
    assert Booking.objects.count() == before


@pytest.mark.parametrize("model", EXPORTED)
def test_a_filter_that_is_not_one_sends_staff_back_to_the_list(client, staff, world, model):
    client.force_login(staff)
    response = client.get(reverse(f"admin:{model}_export"), {"id__exact": "a\x00b", "o": "x"})
    assert response.status_code == 302
    assert response["Location"] == reverse(f"admin:{model}_changelist") + "?e=1"
