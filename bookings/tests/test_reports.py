"""Reports to staff (decision 0081): from a message, a request or booking, a band's or venue's profile and a
show; who may report what; one open report per reporter and thing; the daily limit; the staff queue's order
and its warn, suspend and dismiss, each telling the reporter the outcome."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts.models import Notification, Report, User
from accounts.tests.factories import UserFactory
from bands.models import ApprovalStatus
from bookings.selectors.reports import report_queue, report_subject
from bookings.services import threads
from bookings.services.reports import (
    CLAIM_LAPSES,
    ReportClaimed,
    report_claim,
    report_create,
    report_release,
    report_resolve,
)
from bookings.tests.test_blocks import page
from bookings.tests.test_detail_views import make_world

pytestmark = pytest.mark.django_db

NEW = reverse("bookings:report_new")


@pytest.fixture
def w():
    world = make_world()
    world.message = threads.message_post(booking=world.request, by=world.client, body="Pay me in cash or else.")
    world.staff = UserFactory(is_staff=True, is_superuser=True)
    world.stranger = UserFactory()
    return world


def report(w, reporter, kind="message", ref=None, category="harassment", text="Threatening."):
    subject = report_subject(kind=kind, ref=ref or str(w.message.pk), user=reporter)
    return report_create(reporter=reporter, subject=subject, category=category, text=text)


def test_a_leader_reports_a_message_from_the_thread_and_staff_see_what_they_saw(client, w):
    client.force_login(w.leader)
    detail = page(client.get(reverse("bookings:detail", args=[w.request.uid])))
    assert f"{NEW}?message={w.message.pk}" in detail
    assert f"{NEW}?booking={w.request.uid}" in detail
    form = client.get(NEW, {"message": w.message.pk})
    assert form.status_code == 200 and "Anna Client" in page(form)
    response = client.post(NEW, {"message": w.message.pk, "category": "harassment", "text": "A threat."})
    assert response.status_code == 302 and response.url.endswith("#thread")
    made = Report.objects.get()
    assert (made.reporter, made.account_kind, made.account_id, made.account_name) == (
        w.leader,
        "user",
        w.client.pk,
        "Anna Client",
    )
    assert made.evidence["body"] == "Pay me in cash or else." and made.status == Report.Status.OPEN
    # The message changes later; staff still judge what was reported.
    w.message.body = "Hello"
    w.message.save()
    made.refresh_from_db()
    assert made.evidence["body"] == "Pay me in cash or else."


@pytest.mark.parametrize(
    ("kind", "ref", "account"),
    [
        ("booking", lambda w: str(w.request.uid), lambda w: ("user", w.client.pk)),
        ("band", lambda w: w.band.slug, lambda w: ("band", w.band.pk)),
        ("venue", lambda w: w.venue.slug, lambda w: ("venue", w.venue.pk)),
    ],
)
def test_a_request_and_profiles_are_reported_against_who_answers_for_them(w, kind, ref, account):
    reporter = w.leader if kind == "booking" else w.client
    made = report(w, reporter, kind, ref(w), category="spam", text="")
    assert (made.account_kind, made.account_id) == account(w)


def test_a_show_is_reported_against_its_venue(client, w):
    client.force_login(w.client)
    response = client.post(NEW, {"show": w.slot.pk, "category": "fraud"})
    assert response.status_code == 302
    assert (Report.objects.get().account_kind, Report.objects.get().account_id) == ("venue", w.venue.pk)


@pytest.mark.parametrize("who", ["stranger", "other_client", "staff"])
def test_what_one_cannot_see_one_cannot_report(client, w, who):
    client.force_login(getattr(w, who))
    for query in ({"message": w.message.pk}, {"booking": w.request.uid}):
        assert client.get(NEW, query).status_code == 404
        assert client.post(NEW, {**query, "category": "spam"}).status_code == 404
    assert not Report.objects.exists()


def test_one_s_own_message_and_band_cannot_be_reported(client, w):
    client.force_login(w.client)
    assert client.get(NEW, {"message": w.message.pk}).status_code == 404
    client.force_login(w.member)
    assert client.get(NEW, {"band": w.band.slug}).status_code == 404


@pytest.mark.parametrize(
    "query", [{}, {"message": "x"}, {"message": "99999999999999999999999"}, {"booking": "nope"}, {"show": "-1"}]
)
def test_bad_input_is_a_404_or_a_reason_never_a_500(client, w, query):
    client.force_login(w.leader)
    assert client.get(NEW, query).status_code == 404
    bad = client.post(NEW, {"message": w.message.pk, "category": "rude", "text": "x" * 1001})
    assert bad.status_code == 400 and "Choose a reason" in page(bad)
    assert not Report.objects.exists()


def test_the_anonymous_visitor_is_sent_to_sign_in(client, w):
    response = client.post(NEW, {"band": w.band.slug, "category": "spam"})
    assert response.status_code == 302 and "login" in response.url
    assert not Report.objects.exists()


def test_a_repeat_report_adds_nothing_and_says_so(client, w):
    report(w, w.leader)
    client.force_login(w.leader)
    again = client.post(NEW, {"message": w.message.pk, "category": "spam"})
    assert again.status_code == 400 and "reported this already" in page(again)
    assert Report.objects.count() == 1


def test_the_daily_limit_holds(w, settings):
    settings.REPORTS_PER_DAY = 2
    report(w, w.leader)
    report(w, w.leader, "venue", w.venue.slug)
    with pytest.raises(Exception, match="Try again tomorrow"):
        report(w, w.leader, "band", w.other_band.slug)
    assert Report.objects.count() == 2


def test_the_queue_puts_the_most_reported_account_first_then_the_oldest(w):
    first = report(w, w.leader, "venue", w.other_venue.slug)
    on_band = [report(w, reporter, "band", w.other_band.slug) for reporter in (w.leader, w.client, w.owner)]
    on_message = report(w, w.member)
    queue = list(report_queue())
    assert queue == [*on_band, first, on_message]
    assert [r.open_against for r in queue] == [3, 3, 3, 1, 1]


def test_reports_against_one_account_stay_together_the_longest_waiting_first(w):
    on_venue = report(w, w.leader, "venue", w.other_venue.slug)
    on_band = report(w, w.leader, "band", w.other_band.slug)
    on_venue_again = report(w, w.client, "venue", w.other_venue.slug)
    on_band_again = report(w, w.client, "band", w.other_band.slug)
    assert list(report_queue()) == [on_venue, on_venue_again, on_band, on_band_again]


def test_staff_warn_and_the_account_and_reporter_are_told(w):
    made = report(w, w.leader)
    report_resolve(report=made, by=w.staff, outcome=Report.Status.WARNED, note="No threats, please.")
    made.refresh_from_db()
    assert made.status == Report.Status.WARNED and made.resolved_by == w.staff
    warning = Notification.objects.get(recipient=w.client, kind="account_warning")
    assert "No threats, please." in warning.text
    outcome = Notification.objects.get(recipient=w.leader, kind="report_outcome")
    assert "warned" in outcome.text and "No threats" not in outcome.text
    # Another member of staff acting on it meanwhile changes nothing.
    report_resolve(report=made, by=w.staff, outcome=Report.Status.DISMISSED)
    made.refresh_from_db()
    assert made.status == Report.Status.WARNED


def test_staff_suspend_a_person_who_is_signed_out_and_cannot_sign_in(w):
    browser = Client()
    browser.force_login(w.client)
    assert Session.objects.count() == 1
    made = report(w, w.leader)
    report_resolve(report=made, by=w.staff, outcome=Report.Status.SUSPENDED, note="Threats.")
    assert not User.objects.get(pk=w.client.pk).is_active
    assert not Session.objects.exists()
    assert browser.get(reverse("bookings:inbox")).status_code == 302
    assert "suspended" in Notification.objects.get(recipient=w.leader, kind="report_outcome").text


def test_staff_suspend_a_band_and_dismiss_another_report(w):
    made = report(w, w.client, "band", w.band.slug)
    report_resolve(report=made, by=w.staff, outcome=Report.Status.SUSPENDED, note="Scam.")
    w.band.refresh_from_db()
    assert w.band.status == ApprovalStatus.SUSPENDED
    other = report(w, w.client, "venue", w.venue.slug)
    report_resolve(report=other, by=w.staff, outcome=Report.Status.DISMISSED)
    assert Notification.objects.filter(recipient=w.client, kind="report_outcome").count() == 2


def test_the_admin_queue_lists_and_acts(client, w):
    made = report(w, w.leader)
    client.force_login(w.staff)
    url = reverse("admin:accounts_report_changelist")
    listing = client.get(url)
    assert listing.status_code == 200 and "Anna Client" in page(listing)
    response = client.post(url, {"action": "dismiss", "_selected_action": [made.pk]})
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.status == Report.Status.DISMISSED
    client.force_login(w.leader)
    assert client.get(url).status_code == 302  # not staff: sent to the staff sign-in


# ---- Claims (decision 0083) ------------------------------------------------------------------------


def test_a_report_claimed_by_another_member_of_staff_is_refused_saying_who_and_nothing_changes(w):
    other_staff = UserFactory(is_staff=True, display_name="Sam Staff")
    made = report_claim(report=report(w, w.leader), by=other_staff)
    for act in (
        lambda: report_resolve(report=made, by=w.staff, outcome=Report.Status.SUSPENDED, note="Threats."),
        lambda: report_claim(report=made, by=w.staff),
        lambda: report_release(report=made, by=w.staff),
    ):
        with pytest.raises(ReportClaimed, match="Sam Staff claimed the report about Anna Client"):
            act()
    made.refresh_from_db()
    assert made.status == Report.Status.OPEN and made.claimed_by == other_staff
    assert User.objects.get(pk=w.client.pk).is_active
    assert not Notification.objects.filter(kind__in=("report_outcome", "account_warning")).exists()
    report_resolve(report=made, by=other_staff, outcome=Report.Status.DISMISSED)
    made.refresh_from_db()
    assert made.status == Report.Status.DISMISSED and made.resolved_by == other_staff
    with pytest.raises(ReportClaimed, match="resolved already"):
        report_claim(report=made, by=w.staff)


def test_a_released_or_lapsed_claim_lets_other_staff_act_and_acting_claims_an_unclaimed_report(w):
    other_staff = UserFactory(is_staff=True)
    made = report_claim(report=report(w, w.leader), by=other_staff)
    report_release(report=made, by=other_staff)
    report_claim(report=made, by=w.staff)
    later = made.claimed_at + CLAIM_LAPSES + dt.timedelta(minutes=1)
    report_resolve(report=made, by=other_staff, outcome=Report.Status.DISMISSED, now=later)
    made.refresh_from_db()
    assert made.resolved_by == made.claimed_by == other_staff
    unclaimed = report(w, w.leader, "venue", w.venue.slug)
    report_resolve(report=unclaimed, by=w.staff, outcome=Report.Status.DISMISSED)
    unclaimed.refresh_from_db()
    assert unclaimed.claimed_by == w.staff


def test_the_admin_queue_claims_and_refuses_another_s_claimed_report_with_a_clear_message(client, w):
    made = report(w, w.leader)
    other_staff = UserFactory(is_staff=True, is_superuser=True, display_name="Sam Staff")
    url = reverse("admin:accounts_report_changelist")
    client.force_login(other_staff)
    client.post(url, {"action": "claim", "_selected_action": [made.pk]})
    assert "Sam Staff" in page(client.get(url))
    client.force_login(w.staff)
    response = client.post(url, {"action": "dismiss", "_selected_action": [made.pk]}, follow=True)
    assert "Sam Staff claimed the report about Anna Client" in page(response)
    made.refresh_from_db()
    assert made.status == Report.Status.OPEN
