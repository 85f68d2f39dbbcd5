"""An agency's roster (stageslot/views/roster.py): the table of its bands, their green zones side by side,
the hold form with its pickers, answering an offer for a band, and the hold notices its agents get."""

import datetime as dt
import zoneinfo
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from availability.services import rule_create
from bands.models import ApprovalStatus, BandBlock
from bands.tests.factories import MembershipFactory
from bands.tests.pseudo_pages import words_left_unmarked
from bookings.models import Booking
from bookings.services import answering, asking
from bookings.tests.factories import SlotFactory, band_with_leader, venue_with_owner
from documents.models import Contract, RenderedPdf
from holds import services as hold_services
from holds.models import HoldRequest
from payments.models import LedgerEntry
from stageslot.tests.once import as_it_is_now, rows_for_the_module
from teams.models import LinkStatus, Representation
from teams.tests.factories import agency_for
from venues.tests.factories import VenueFactory

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("roster")]

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=BERLIN)


def _world() -> SimpleNamespace:
    """Northside represents six bands (the first, The Night Owls, lets it ask for holds; the second does not);
    Southside represents another band. Next month the Owls' drummer has a private block on the 10th, the
    band plays Kellerbar on the 14th and is held there on the 16th; Kellerbar offers the Owls the 20th."""
    today = timezone.now().astimezone(BERLIN).date()
    month = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    venue, venue_owner = venue_with_owner(name="Kellerbar", slug="kellerbar", city="Hamburg", time_zone="Europe/Berlin")
    venue_booker = UserFactory()
    venue.staff_roles.create(user=venue_booker, role="booker")
    unlisted = VenueFactory(name="Kellerbar Unlisted", slug="kellerbar-unlisted", status=ApprovalStatus.PENDING)
    owls, leader = band_with_leader(name="The Night Owls", slug="night-owls", time_zone="Europe/Berlin")
    drummer = MembershipFactory(band=owls).user
    agency, owner, agent, viewer = agency_for(owls, name="Northside", slug="northside", may_hold=True)
    others = [band_with_leader(name=f"Band {n}", slug=f"roster-band-{n}")[0] for n in range(2, 7)]
    for band in others:
        Representation.objects.create(organisation=agency, band=band, status=LinkStatus.ACTIVE, asked_by=owner)
    southside_band = band_with_leader(name="Southern Lights")[0]
    _southside, other_owner, other_agent, _v = agency_for(southside_band, name="Southside", slug="southside")
    rule_create(
        user=drummer,
        title="Dentist, very private",
        time_zone="Europe/Berlin",
        start_date=month.replace(day=10),
        start_time=dt.time(19),
        end_date=month.replace(day=10),
        end_time=dt.time(23),
    )
    played = SlotFactory(venue=venue, starts_at=_at(month.replace(day=14), 20), ends_at=_at(month.replace(day=14), 23))
    gig = asking.booking_offer(slot=played, band=owls, by=venue_owner, role="headliner", fee=500)
    answering.booking_accept(booking=gig, by=leader)
    held_day = month.replace(day=16)
    hold = hold_services.hold_place(
        by=venue_owner,
        stage=venue.stages.first(),
        band=owls,
        starts_at=_at(held_day, 20),
        ends_at=_at(held_day, 23),
        expires_at=_at(held_day, 12) - dt.timedelta(days=2),
    )
    offered = SlotFactory(venue=venue, starts_at=_at(month.replace(day=20), 20), ends_at=_at(month.replace(day=20), 23))
    offer = asking.booking_offer(slot=offered, band=owls, by=venue_owner, role="headliner", fee=400)
    pdf = RenderedPdf.objects.create(source_sha256="a" * 64, sha256="b" * 64, data=b"%PDF", size=4)
    contract = Contract.objects.create(
        booking=gig, version=1, other_side="venue", draft=pdf, draft_sha256="b" * 64, status=Contract.Status.AWAITING
    )
    LedgerEntry.objects.create(
        band=owls, booking=gig, kind=LedgerEntry.Kind.BAND_SHARE, amount_minor=42500, currency="EUR"
    )
    return SimpleNamespace(**locals())


@pytest.fixture(scope="module")
def shared(django_db_setup, django_db_blocker):
    with rows_for_the_module(django_db_blocker):
        yield _world()


@pytest.fixture
def w(shared):
    return as_it_is_now(shared)


def _url(w, name="roster", *args):
    return reverse(name, args=[w.agency.slug, *args])


def test_the_roster_lists_each_band_with_what_waits_on_it(client, w, django_assert_max_num_queries):
    client.force_login(w.agent)
    month = f"{w.month:%Y-%m}"
    with django_assert_max_num_queries(30) as six:
        page = client.get(_url(w), {"month": month})
    with_six = len(six.captured_queries)  # read now: the next request empties the log it reads
    assert page.status_code == 200
    rows = page.context["rows"]
    assert [row.band.name for row in rows] == ["Band 2", "Band 3", "Band 4", "Band 5", "Band 6", "The Night Owls"]
    owls = rows[-1]
    assert [g.pk for g in owls.gigs] == [w.gig.pk]
    assert owls.nearest_hold.pk == w.hold.pk and len(owls.holds) == 1
    assert [b.pk for b in owls.answers] == [w.offer.pk]
    assert [c.pk for c in owls.contracts] == [w.contract.pk]
    assert {t.currency: t.owed_minor for t in owls.money.totals} == {"EUR": 42500}
    text = page.content.decode()
    for link in (
        reverse("bookings:detail", args=[w.gig.uid]),
        reverse("holds:band", args=[w.owls.slug]),
        reverse("bookings:detail", args=[w.offer.uid]),
        reverse("documents:contract", args=[w.contract.uid]),
        _url(w, "roster_answer", w.offer.uid),
        _url(w, "roster_hold"),
    ):
        assert link in text
    assert "1st" in text and "Kellerbar" in text
    # The agency's page leads to it.
    assert _url(w) in client.get(reverse("teams:detail", args=[w.agency.slug])).content.decode()

    # Four bands fewer, the same number of queries.
    Representation.objects.filter(band__in=w.others[:4]).update(status=LinkStatus.ENDED)
    with django_assert_max_num_queries(with_six) as two:
        page = client.get(_url(w), {"month": month})
    assert len(page.context["rows"]) == 2 and len(two.captured_queries) == with_six


def test_the_month_shows_free_partly_booked_and_held_days_never_why(client, w):
    client.force_login(w.viewer)
    page = client.get(_url(w), {"month": f"{w.month:%Y-%m}"})
    assert page.status_code == 200
    (owls,) = [row for row in page.context["month_rows"] if row.band == w.owls]
    states = {cell.day: cell.state for cell in owls.cells}
    assert min(states) == w.month and max(states).month == w.month.month and len(states) >= 28
    assert states[w.month.replace(day=10)] == "partly"
    assert states[w.month.replace(day=14)] == "booked"
    assert states[w.month.replace(day=16)] == "held"
    assert states[w.month.replace(day=11)] == "free"
    text = page.content.decode()
    assert "Dentist" not in text and w.drummer.name not in text
    assert all(state in page.context["states"] for state in states.values())
    # The viewer reads: no hold form, no answer buttons.
    assert page.context["form"] is None and _url(w, "roster_answer", w.offer.uid) not in text
    # The month alone for an htmx swap; a month out of range or nonsense falls back to this one.
    part = client.get(_url(w), {"month": f"{w.month:%Y-%m}"}, headers={"HX-Request": "true"})
    assert part.status_code == 200 and b"<html" not in part.content and b"roster-month" in part.content
    for bad in ("1999-01", "next", "2026-13", "<script>"):
        assert client.get(_url(w), {"month": bad}).status_code == 200


def test_the_pickers_find_roster_bands_and_approved_venues_only(client, w):
    client.force_login(w.agent)
    bands = client.get(_url(w, "roster_bands"), {"band_q": "owl"}).content.decode()
    assert bands.count('name="band"') == 1 and f'value="{w.owls.pk}"' in bands and "The Night Owls" in bands
    assert client.get(_url(w, "roster_bands")).content.decode().count('name="band"') == 6  # no text: all
    venues = client.get(_url(w, "roster_venues"), {"venue_q": "keller"}).content.decode()
    assert venues.count('name="venue"') == 1 and f'value="{w.venue.pk}"' in venues  # the unlisted one stays out
    assert f'value="{w.venue.pk}"' in client.get(_url(w, "roster_venues"), {"venue_q": "hamb"}).content.decode()
    for bad in ("", "k", "x" * 61, "%", "'; drop table", "\x00"):
        answer = client.get(_url(w, "roster_venues"), {"venue_q": bad})
        assert answer.status_code == 200 and 'name="venue"' not in answer.content.decode()
    assert 'name="band"' not in client.get(_url(w, "roster_bands"), {"band_q": "x" * 61}).content.decode()
    # A name is escaped where it is drawn.
    w.owls.name = "The <b>Night</b> Owls"
    w.owls.save(update_fields=["name"])
    drawn = client.get(_url(w, "roster_bands"), {"band_q": "night"}).content.decode()
    assert "&lt;b&gt;Night&lt;/b&gt;" in drawn and "<b>Night" not in drawn
    # Without JavaScript: the roster page itself carries what was searched.
    page = client.get(_url(w), {"venue_q": "keller", "band_q": "owl", "band": str(w.owls.pk)})
    assert [v.pk for v in page.context["venue_matches"]] == [w.venue.pk]
    assert f'name="band" value="{w.owls.pk}" checked' in page.content.decode()


class _Forms(HTMLParser):
    """Which form each field and button of a page belongs to, as a browser decides: its form attribute, or the
    form around it."""

    FIELDS = ("input", "select", "textarea", "button")

    def __init__(self):
        super().__init__()
        self.forms, self.fields, self.buttons = {}, [], []
        self.inside, self.button = None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") or f"form-{len(self.forms)}"
            self.forms[self.inside] = attrs
        elif tag in self.FIELDS:
            owner = attrs.get("form") or self.inside
            if tag == "button":
                self.button = {"owner": owner, "text": ""}
                self.buttons.append(self.button)
            elif attrs.get("name"):
                self.fields.append((owner, attrs["name"]))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = None
        elif tag == "button":
            self.button = None

    def handle_data(self, data):
        if self.button is not None:
            self.button["text"] += data


def test_the_searches_ask_for_the_page_without_the_hold_forms_token_or_fields(client, w):
    """A search (without JavaScript) is a GET of the roster with what was searched: never the hold form sent as a
    GET, its token and half-filled fields in the address."""
    client.force_login(w.agent)
    page = _Forms()
    page.feed(client.get(_url(w), {"band_q": "owl", "band": str(w.owls.pk)}).content.decode())
    searches = [b for b in page.buttons if " ".join(b["text"].split()).startswith("Search")]
    assert len(searches) == 2
    for button in searches:
        form = page.forms[button["owner"]]
        assert form.get("method", "get").lower() == "get" and form["action"].startswith(_url(w))
        sent = {name for owner, name in page.fields if owner == button["owner"]}
        assert "csrfmiddlewaretoken" not in sent and not sent & {"date", "start", "end", "note"}, sent
        assert sent & {"band_q", "venue_q"}
    # The venue search keeps the band search and the band picked before it.
    venue_search = {name for owner, name in page.fields if owner == "roster-venue-search"}
    assert venue_search == {"venue_q", "band_q", "band"}
    # The hold form still has its token and its fields, and is sent by POST.
    [ask] = [b for b in page.buttons if "Ask the venue" in b["text"]]
    hold_form = page.forms[ask["owner"]]
    assert hold_form["method"] == "post" and hold_form["action"] == _url(w, "roster_hold")
    held = {name for owner, name in page.fields if owner == ask["owner"]}
    assert {"csrfmiddlewaretoken", "band", "date", "start", "end", "note"} <= held
    assert not held & {"band_q", "venue_q"}


def _hold_post(w, band, venue=None, **more):
    day = w.month.replace(day=24)
    data = {"band": band.pk, "venue": (venue or w.venue).pk, "date": day.isoformat(), "start": "20:00"}
    return {**data, "end": "23:00", "note": "Tour", **more}


def test_placing_a_hold_request_needs_the_bands_leave(client, w):
    client.force_login(w.agent)
    done = client.post(_url(w, "roster_hold"), _hold_post(w, w.owls))
    assert done.status_code == 302
    asked = HoldRequest.objects.get()
    assert (asked.band, asked.venue, asked.organisation, asked.asked_by) == (w.owls, w.venue, w.agency, w.agent)
    # Band 2 has not let the agency ask for holds: refused with the reason, nothing asked.
    refused = client.post(_url(w, "roster_hold"), _hold_post(w, w.others[0]))
    assert refused.status_code == 403 and "has not let your agency ask venues for holds" in refused.content.decode()
    assert HoldRequest.objects.count() == 1
    # Its leader allows it on the band's agencies page, as for signing: then it goes through.
    link = Representation.objects.get(band=w.others[0], organisation=w.agency)
    url = reverse("teams:band_agency_may_hold", args=[w.others[0].slug, link.pk])
    assert client.post(url, {"may_hold": "1"}).status_code in (403, 404)  # not the agency's to grant itself
    link.refresh_from_db()
    assert not link.may_hold
    leader = w.others[0].memberships.get().user
    client.force_login(leader)
    assert "Let them ask venues for holds" in client.get(reverse("teams:band_agencies", args=[w.others[0].slug])).text
    assert client.post(url, {"may_hold": "1"}).status_code == 302
    client.force_login(w.agent)
    assert client.post(_url(w, "roster_hold"), _hold_post(w, w.others[0])).status_code == 302
    assert HoldRequest.objects.count() == 2
    # Bad input: a message by the field, nothing asked, never a 500.
    for bad in (
        _hold_post(w, w.owls, venue=w.unlisted),  # a venue not approved
        _hold_post(w, w.southside_band),  # a band of another agency
        {**_hold_post(w, w.owls), "venue": "abc"},
        {**_hold_post(w, w.owls), "date": "yesterday"},
        {},
    ):
        assert client.post(_url(w, "roster_hold"), bad).status_code == 400
    assert HoldRequest.objects.count() == 2


def test_answering_an_offer_from_the_roster_books_it_the_one_way(client, w):
    client.force_login(w.viewer)
    assert client.post(_url(w, "roster_answer", w.offer.uid), {"answer": "accept"}).status_code == 403
    client.force_login(w.agent)
    before = Notification.objects.count()
    assert client.post(_url(w, "roster_answer", w.offer.uid), {"answer": "accept"}).status_code == 302
    w.offer.refresh_from_db()
    assert w.offer.status == Booking.Status.BOOKED
    # The side effects of the one path: the gig block every member's calendar shows, the venue told.
    assert BandBlock.objects.filter(band=w.owls, kind=BandBlock.Kind.GIG, gig_starts_at=w.offer.starts_at).exists()
    assert Notification.objects.filter(pk__gt=before, recipient=w.venue_owner).exists()
    # Answered: no longer on the roster, and nothing to answer twice.
    assert client.post(_url(w, "roster_answer", w.offer.uid), {"answer": "decline"}).status_code == 404


def test_declining_an_offer_from_the_roster(client, w):
    client.force_login(w.owner)
    assert (
        client.post(_url(w, "roster_answer", w.offer.uid), {"answer": "decline", "reason": "Tour"}).status_code == 302
    )
    w.offer.refresh_from_db()
    assert w.offer.status == Booking.Status.DECLINED
    assert client.post(_url(w, "roster_answer", w.offer.uid), {"answer": "maybe"}).status_code == 404


def test_who_reaches_the_roster(client, w):
    page, bands, hold = _url(w), _url(w, "roster_bands"), _url(w, "roster_hold")
    answer = _url(w, "roster_answer", w.offer.uid)
    for person in (w.owner, w.agent, w.viewer):
        client.force_login(person)
        assert client.get(page).status_code == 200 and client.get(bands).status_code == 200
    # Another agency's people, the band's own members, the venue's people and a stranger: no such roster.
    for person in (w.other_owner, w.other_agent, w.leader, w.drummer, w.venue_owner, w.venue_booker, UserFactory()):
        client.force_login(person)
        assert client.get(page).status_code == 404
        assert client.get(bands).status_code == 404
        assert client.post(hold, _hold_post(w, w.owls)).status_code == 404
        assert client.post(answer, {"answer": "accept"}).status_code == 404
    client.logout()
    for url in (page, bands):
        assert client.get(url).status_code == 302
    assert client.post(hold, _hold_post(w, w.owls)).status_code == 302
    # The viewer reads only.
    client.force_login(w.viewer)
    assert client.post(hold, _hold_post(w, w.owls)).status_code == 403
    w.offer.refresh_from_db()
    assert w.offer.status == Booking.Status.PENDING and not HoldRequest.objects.exists()


def test_the_agencys_agents_hear_of_a_holds_challenge_lapse_and_confirmation(w):
    second = hold_services.hold_place(
        by=w.venue_booker,
        stage=w.venue.stages.first(),
        band=w.others[1],
        starts_at=w.hold.starts_at,
        ends_at=w.hold.ends_at,
        expires_at=w.hold.expires_at,
    )
    before = Notification.objects.order_by("-pk").values_list("pk", flat=True).first()
    hold_services.hold_challenge(hold=second, by=w.venue_booker)
    told = set(Notification.objects.filter(pk__gt=before).values_list("recipient_id", flat=True))
    assert {w.owner.pk, w.agent.pk, w.leader.pk} <= told  # the held band's agency's acting people and its leader
    assert w.viewer.pk not in told and w.other_owner.pk not in told
    # Each side is led to its own page of the hold: the band's side to where the band is held.
    links = dict(Notification.objects.filter(pk__gt=before).values_list("recipient_id", "link"))
    assert links[w.agent.pk] == links[w.leader.pk] == reverse("holds:band", args=[w.owls.slug])
    assert links[w.venue_owner.pk].startswith(reverse("holds:venue", args=[w.venue.slug]))
    # The challenge lapses: the agency hears of that too.
    before = Notification.objects.order_by("-pk").values_list("pk", flat=True).first()
    hold_services.holds_settle(now=timezone.now() + dt.timedelta(days=10))
    assert Notification.objects.filter(pk__gt=before, recipient=w.agent, text__icontains="lapsed").exists()


def test_the_agencys_agents_hear_of_a_holds_confirmation(w):
    before = Notification.objects.order_by("-pk").values_list("pk", flat=True).first()
    hold_services.hold_confirm(hold=w.hold, by=w.venue_owner, fee=300, message="")
    told = set(Notification.objects.filter(pk__gt=before).values_list("recipient_id", flat=True))
    assert {w.owner.pk, w.agent.pk} <= told and w.viewer.pk not in told


def test_every_word_of_the_roster_is_marked(client, w):
    client.force_login(w.agent)
    month = f"{w.month:%Y-%m}"
    urls = [f"{_url(w)}?month={month}&venue_q=keller", f"{_url(w, 'roster_venues')}?venue_q=zz"]
    assert words_left_unmarked(client, urls) == {}
    client.force_login(w.leader)
    assert words_left_unmarked(client, [reverse("teams:band_agencies", args=[w.owls.slug])]) == {}
