"""/api/v1/bands/<slug>/packages: public reads, and the leaders' and admins' writes with the packages scope."""

import pytest

from accounts.models import ApiToken
from accounts.tests.factories import UserFactory
from bands.models import ApprovalStatus, Membership, Package
from bands.packages import PACKAGE_LIMIT, package_price
from bands.tests.factories import MembershipFactory
from bookings.models import Booking
from bookings.services.instant import booking_instant
from bookings.tests.api_helpers import ApiClient, token_for
from bookings.tests.factories import band_with_leader
from bookings.tests.journey import band_party, local

pytestmark = pytest.mark.django_db

WRITE = ["read", "packages"]


@pytest.fixture
def band():
    band, leader = band_with_leader(slug="alpha", name="Alpha")
    Package.objects.create(band=band, name="Party set", sets=2, set_minutes=45, price=900, instant=True, position=1)
    Package.objects.create(band=band, name="Wedding day", price=250, price_unit="hour", position=2)
    Package.objects.create(band=band, name="Withdrawn", price=1, active=False, position=3)
    band.leader = leader
    return band


def url(slug="alpha", pk=None) -> str:
    return f"/api/v1/bands/{slug}/packages" + (f"/{pk}" if pk else "")


NEW = {"name": "Club night", "sets": 3, "set_minutes": 40, "break_minutes": 10, "price": 1200, "travel_fee": 80}


# ---- Reads -------------------------------------------------------------------------------------


def test_anyone_lists_the_packages_on_offer_in_the_bands_order(band, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):  # the band, its packages
        response = ApiClient().get(url())
    assert response.status_code == 200
    items = response.json()
    assert [p["name"] for p in items] == ["Party set", "Wedding day"]
    assert items[0] | {"id": 0} == {
        "id": 0,
        "band": "alpha",
        "name": "Party set",
        "included": "",
        "sets": 2,
        "set_minutes": 45,
        "break_minutes": 15,
        "length_minutes": 105,
        "price": 900,
        "price_unit": "fixed",
        "currency": band.currency,
        "travel_included_km": None,
        "travel_fee": None,
        "total": 900,
        "instant": True,
        "active": True,
    }


def test_the_list_costs_the_same_queries_however_many_packages(band, django_assert_max_num_queries):
    for i in range(8):
        Package.objects.create(band=band, name=f"Extra {i}", price=10 * i, position=10 + i)
    with django_assert_max_num_queries(2):
        assert len(ApiClient().get(url()).json()) == 10


def test_one_package_and_what_is_not_there(band):
    party = Package.objects.get(name="Party set")
    assert ApiClient().get(url(pk=party.pk)).json()["name"] == "Party set"
    withdrawn = Package.objects.get(name="Withdrawn")
    assert ApiClient().get(url(pk=withdrawn.pk)).status_code == 404
    band_with_leader(slug="beta")
    assert ApiClient().get(url("beta", party.pk)).status_code == 404  # another band's package
    assert ApiClient().get(url("nobody")).status_code == 404
    response = ApiClient().get(url(pk=999999))
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")


def test_a_band_not_approved_shows_no_packages(band):
    band.status = ApprovalStatus.PENDING
    band.save(update_fields=["status"])
    assert ApiClient().get(url()).status_code == 404


# ---- Writes ------------------------------------------------------------------------------------


def test_a_leader_adds_changes_and_withdraws_a_package(band):
    api = ApiClient(token_for(band.leader, WRITE))
    response = api.post(url(), NEW)
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["total"] == 1280 and made["length_minutes"] == 140 and made["currency"] == band.currency
    assert [p["name"] for p in ApiClient().get(url()).json()][-1] == "Club night"

    response = api.patch(url(pk=made["id"]), {"price": 1500, "travel_fee": None})
    assert response.status_code == 200
    assert (response.json()["price"], response.json()["travel_fee"], response.json()["sets"]) == (1500, None, 3)

    response = api.delete(url(pk=made["id"]))
    assert response.status_code == 200 and response.json()["active"] is False
    assert Package.objects.filter(pk=made["id"], active=False).exists()  # kept for the bookings made with it
    assert "Club night" not in [p["name"] for p in ApiClient().get(url()).json()]
    # A withdrawn package can be offered again.
    assert api.patch(url(pk=made["id"]), {"active": True}).json()["active"] is True


def test_an_admin_may_write_too(band):
    admin = UserFactory()
    MembershipFactory(band=band, user=admin, role=Membership.Role.ADMIN)
    assert ApiClient(token_for(admin, WRITE)).post(url(), NEW).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**NEW, "name": ""}, "name"),
        ({**NEW, "price": -1}, "price"),
        ({**NEW, "sets": 11}, "sets"),
        ({**NEW, "set_minutes": 5}, "set_minutes"),
        ({**NEW, "price_unit": "week"}, "price_unit"),
        ({**NEW, "price": "lots"}, "price"),
        ({k: v for k, v in NEW.items() if k != "price"}, "price"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_changes_nothing(band, body, field):
    before = list(Package.objects.values_list("pk", "name", "price", "active"))
    response = ApiClient(token_for(band.leader, WRITE)).post(url(), body)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert list(Package.objects.values_list("pk", "name", "price", "active")) == before


def test_a_bad_change_is_a_422_and_changes_nothing(band):
    party = Package.objects.get(name="Party set")
    response = ApiClient(token_for(band.leader, WRITE)).patch(url(pk=party.pk), {"break_minutes": 500})
    assert response.status_code == 422 and "break_minutes" in response.json()["errors"]
    party.refresh_from_db()
    assert party.break_minutes == 15


def test_the_package_limit_is_a_422_and_adds_nothing(band):
    for i in range(PACKAGE_LIMIT - 3):
        Package.objects.create(band=band, name=f"Extra {i}", price=1)
    response = ApiClient(token_for(band.leader, WRITE)).post(url(), NEW)
    assert response.status_code == 422
    assert Package.objects.filter(band=band).count() == PACKAGE_LIMIT


def test_who_may_not_write(band):
    party = Package.objects.get(name="Party set")
    other_band, other_leader = band_with_leader(slug="beta")
    other_package = Package.objects.create(band=other_band, name="Theirs", price=5)
    member = UserFactory()
    MembershipFactory(band=band, user=member, role=Membership.Role.MEMBER)
    cases = [
        (ApiClient(), 401),  # anonymous
        (ApiClient(token_for(UserFactory(), WRITE)), 403),  # a stranger, even with the scope
        (ApiClient(token_for(other_leader, WRITE)), 403),  # another band's leader
        (ApiClient(token_for(member, WRITE)), 403),  # a member who does not manage the band
        (ApiClient(token_for(band.leader, ["read", "bookings", "availability"])), 403),  # no packages scope
    ]
    for api, status in cases:
        assert api.post(url(), NEW).status_code == status
        assert api.patch(url(pk=party.pk), {"price": 1}).status_code == status
        assert api.delete(url(pk=party.pk)).status_code == status
    # The leader of the band cannot reach another band's package through their own band's address.
    leader = ApiClient(token_for(band.leader, WRITE))
    assert leader.patch(url(pk=other_package.pk), {"price": 1}).status_code == 404
    assert leader.delete(url("beta", other_package.pk)).status_code == 403
    party.refresh_from_db()
    other_package.refresh_from_db()
    assert (party.price, party.active, other_package.price, other_package.active) == (900, True, 5, True)
    assert Package.objects.count() == 4


def test_writes_cost_a_fixed_number_of_queries(band, django_assert_max_num_queries):
    api = ApiClient(token_for(band.leader, WRITE))
    api.get(url())
    with django_assert_max_num_queries(14):
        assert api.post(url(), NEW).status_code == 201


def test_the_scope_is_offered_and_in_the_schema():
    assert "packages" in ApiToken.Scope.values
    schema = ApiClient().get("/api/v1/openapi.json").json()
    operations = schema["paths"]["/api/v1/bands/{slug}/packages"]
    assert {"get", "post"} <= set(operations)
    for status in ("201", "401", "403", "404", "422"):
        assert status in operations["post"]["responses"]
    one = schema["paths"]["/api/v1/bands/{slug}/packages/{package_id}"]
    assert {"get", "patch", "delete"} <= set(one)


# ---- Instant book ------------------------------------------------------------------------------


def _book_url(p, package=None) -> str:
    return f"/api/v1/bands/{p.band.slug}/packages/{(package or p.instant).pk}/book"


def _book_body(p, starts_at, **extra) -> dict:
    return {"starts_at": starts_at.isoformat(), "price": package_price(p.instant), **extra}


def test_a_priced_package_is_paid_through_a_checkout_and_nothing_is_booked_here():
    p = band_party()
    api = ApiClient(token_for(p.client))
    response = api.post(_book_url(p), _book_body(p, local(10), location="Garden", guests=80, setting="outdoor"))
    assert response.status_code == 409, response.content
    assert "/api/v1/checkouts" in response.json()["detail"]
    assert not Booking.objects.exists()


def test_the_time_taken_meanwhile_is_a_409_and_books_nothing_more():
    p = band_party()
    booking_instant(
        band=p.band, package=p.instant, client=p.client, starts_at=local(10), price=package_price(p.instant)
    )
    late = ApiClient(token_for(UserFactory())).post(_book_url(p), _book_body(p, local(10, 20, 30)))
    assert late.status_code == 409
    assert late["Content-Type"] == "application/problem+json"
    assert Booking.objects.filter(band=p.band).count() == 1


def test_a_changed_price_is_a_409_and_books_nothing():
    p = band_party()
    response = ApiClient(token_for(p.client)).post(_book_url(p), _book_body(p, local(10), price=1))
    assert response.status_code == 409
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"starts_at": "tomorrow"}, "starts_at"),
        ({"price": -5}, "price"),
        ({"setting": "roof"}, "setting"),
        ({"guests": -1}, "guests"),
        ({"location": "x" * 201}, "location"),
    ],
)
def test_bad_booking_input_is_a_422_naming_the_field_and_books_nothing(change, field):
    p = band_party()
    response = ApiClient(token_for(p.client)).post(_book_url(p), {**_book_body(p, local(10)), **change})
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert not Booking.objects.exists()


def test_a_past_start_and_a_package_on_request_are_422s():
    p = band_party()
    api = ApiClient(token_for(p.client))
    past = api.post(_book_url(p), _book_body(p, local(-2)))
    assert past.status_code == 422 and "starts_at" in past.json()["errors"]
    on_request = api.post(_book_url(p, p.on_request), _book_body(p, local(10)))
    assert on_request.status_code == 422 and "package" in on_request.json()["errors"]
    assert not Booking.objects.exists()


def test_who_may_not_book():
    p = band_party()
    body = _book_body(p, local(10))
    assert ApiClient().post(_book_url(p), body).status_code == 401
    assert ApiClient(token_for(p.client, ["read"])).post(_book_url(p), body).status_code == 403
    assert ApiClient(token_for(p.member)).post(_book_url(p), body).status_code == 403  # plays in the band
    band_with_leader(slug="gamma")
    # Another band's address with this band's package: not found.
    assert (
        ApiClient(token_for(p.client)).post(f"/api/v1/bands/gamma/packages/{p.instant.pk}/book", body).status_code
        == 404
    )
    assert not Booking.objects.exists()
