"""Every festivals page and form as the organiser, a juror, the applying band's leader, another band's
leader, a stranger and anonymous: who may, and bad input answered with a message or a 4xx, never a 500,
and nothing changed."""

import datetime as dt
from collections.abc import Iterator

import pytest
from django.urls import reverse
from django.utils import timezone

from festivals.models import Application, OpenCall, Placement, Score
from festivals.services import calls, jury, timetable
from stageslot.tests.once import as_it_is_now, rows_for_the_module

from .factories import festival_world, local

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker) -> Iterator:
    with rows_for_the_module(django_db_blocker):
        w = festival_world(tag="v")
        q = f"q{w.call.questions.get().pk}"
        w.kite_app = calls.application_submit(
            call=w.call, band=w.kite, by=w.leaders[w.kite.pk], pitch="Kite pitch", blind_text="Dream pop",
            answers={q: "45"}, now=timezone.now(),
        )  # fmt: skip
        jury.juror_add(call=w.call, user=w.juror, by=w.owner)
        jury.juror_add(call=w.call, user=w.booker, by=w.owner)
        jury.score_save(application=w.kite_app, juror=w.booker, values={"Music": 4, "Live show": 4}, comment="Secret")
        yield w


@pytest.fixture
def w(module_world):
    return as_it_is_now(module_world)


def as_(client, user):
    if user is not None:
        client.force_login(user)
    return client


def people(w):
    return {
        "organiser": w.owner,
        "juror": w.juror,
        "band": w.leaders[w.kite.pk],
        "other band": w.leaders[w.owl.pk],
        "stranger": w.stranger,
        "anonymous": None,
    }


def test_the_call_list_and_page_are_public_and_searchable(client, w):
    page = client.get(reverse("festivals:calls"), {"q": "Lake"})
    assert page.status_code == 200 and w.call.title in page.content.decode()
    assert w.call.title not in client.get(reverse("festivals:calls"), {"q": "nothing-like-it"}).content.decode()
    page = client.get(reverse("festivals:call", args=[w.call.slug]))
    assert page.status_code == 200 and "Log in to apply" in page.content.decode()
    OpenCall.objects.filter(pk=w.call.pk).update(status=OpenCall.Status.DRAFT)
    assert client.get(reverse("festivals:call", args=[w.call.slug])).status_code == 404


def test_a_bands_leader_sees_its_green_zone_and_only_its_own_application(client, w):
    as_(client, w.leaders[w.kite.pk])
    page = client.get(reverse("festivals:call", args=[w.call.slug]))
    body = page.content.decode()
    assert page.status_code == 200 and "Your green zone" in body and 'data-status="green"' in body
    # Another band's leader cannot write Kite's application; anonymous is sent to log in.
    as_(client, w.leaders[w.owl.pk])
    url = reverse("festivals:apply", args=[w.call.slug, w.kite.slug])
    assert client.post(url, {"pitch": "Hijack"}).status_code == 403
    assert client.post(reverse("festivals:withdraw", args=[w.call.slug, w.kite.slug])).status_code == 403
    client.logout()
    assert client.post(url, {"pitch": "Hijack"}).status_code == 302
    w.kite_app.refresh_from_db()
    assert w.kite_app.pitch == "Kite pitch"


def test_applying_after_the_deadline_is_refused_with_nothing_changed(client, w):
    OpenCall.objects.filter(pk=w.call.pk).update(deadline=timezone.now() - dt.timedelta(minutes=1))
    as_(client, w.leaders[w.owl.pk])
    url = reverse("festivals:apply", args=[w.call.slug, w.owl.slug])
    page = client.post(url, {"pitch": "Late", "blind_text": "x", f"q{w.call.questions.get().pk}": "45"}, follow=True)
    assert page.status_code == 200 and "deadline" in page.content.decode()
    assert not Application.objects.filter(band=w.owl).exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [("organiser", 200), ("juror", 200), ("band", 404), ("other band", 404), ("stranger", 404), ("anonymous", 302)],
)
def test_the_jury_page_is_the_jurys_and_the_organisers(client, w, who, status):
    as_(client, people(w)[who])
    page = client.get(reverse("festivals:jury", args=[w.call.slug]))
    assert page.status_code == status
    if status == 200:
        body = page.content.decode()
        assert "Kite" not in body.replace("Kite pitch", ""), "a blind call names no band"
        if who == "juror":
            assert "Secret" not in body, "a juror reads others' scores only after scoring"


def test_a_juror_sees_others_scores_after_scoring_and_cannot_decide(client, w):
    as_(client, w.juror)
    url = reverse("festivals:score", args=[w.call.slug, w.kite_app.code])
    assert client.post(url, {"c0": "9", "c1": "3"}, follow=True).status_code == 200
    assert not Score.objects.filter(juror=w.juror).exists()
    client.post(url, {"c0": "2", "c1": "3", "comment": "Mine"})
    assert "Secret" in client.get(reverse("festivals:jury", args=[w.call.slug])).content.decode()
    decide = reverse("festivals:decide", args=[w.call.slug, w.kite_app.code])
    assert client.post(decide, {"decision": "shortlisted"}).status_code == 404
    as_(client, w.leaders[w.kite.pk])
    assert client.post(url, {"c0": "5", "c1": "5"}).status_code == 404
    as_(client, w.owner)
    page = client.post(decide, {"decision": "shortlisted"}, follow=True)
    assert "after the deadline" in page.content.decode()
    assert client.post(decide, {"decision": "nonsense"}, follow=True).status_code == 200
    w.kite_app.refresh_from_db()
    assert w.kite_app.status == Application.Status.SUBMITTED
    assert client.get(f"/calls/{w.call.slug}/jury/NOPE/score/").status_code == 405


@pytest.mark.parametrize("who", ["juror", "band", "stranger"])
def test_the_organisers_pages_are_404_to_others(client, w, who):
    as_(client, people(w)[who])
    assert client.get(reverse("festivals:manage", args=[w.call.slug])).status_code == 404
    assert client.post(reverse("festivals:call_action", args=[w.call.slug, "publish"])).status_code == 404
    assert client.get(reverse("festivals:builder", args=[w.festival.slug])).status_code == 404
    assert client.post(reverse("festivals:place", args=[w.festival.slug]), {}).status_code == 404
    assert client.get(reverse("festivals:call_new", args=[w.organisation.slug])).status_code == 404


def test_the_organiser_manages_the_call(client, w):
    as_(client, w.owner)
    assert client.get(reverse("festivals:manage", args=[w.call.slug])).status_code == 200
    page = client.post(
        reverse("festivals:call_action", args=[w.call.slug, "juror"]), {"email": w.stranger.email}, follow=True
    )
    assert "Jurors are people of the organisation" in page.content.decode()
    assert client.post(reverse("festivals:call_action", args=[w.call.slug, "nothing"])).status_code == 404
    page = client.post(
        reverse("festivals:call_new", args=[w.organisation.slug]),
        {"title": "Bad", "first_day": "2030-02-30", "last_day": "2030-03-01", "time_zone": "Mars/Base",
         "deadline_day": "2030-01-01", "deadline_time": "12:00", "criteria": "Music", "currency": "EUR"},
    )  # fmt: skip
    assert page.status_code == 200 and not OpenCall.objects.filter(title="Bad").exists()


def test_placing_by_form_refuses_bad_input_and_broken_rules_with_nothing_changed(client, w):
    Application.objects.filter(pk=w.kite_app.pk).update(status=Application.Status.SHORTLISTED)
    as_(client, w.owner)
    url = reverse("festivals:place", args=[w.festival.slug])
    base = {"band": w.kite.slug, "stage": w.main.pk, "day": w.first_day.isoformat(), "time": "20:00", "minutes": 60}
    hx = {"HTTP_HX_REQUEST": "true"}
    assert client.post(url, {**base, "day": "2030-02-30"}, **hx).status_code == 400
    assert client.post(url, {**base, "stage": 999999}, **hx).status_code == 400
    assert client.post(url, {**base, "day": (w.first_day + dt.timedelta(days=9)).isoformat()}, **hx).status_code == 400
    refused = client.post(url, {**base, "time": "03:00"}, **hx)
    assert refused.status_code == 409 and "is open from" in refused.content.decode()
    checked = client.post(url, {**base, "check_only": "on"}, **hx)
    assert checked.status_code == 200 and "can be placed there" in checked.content.decode()
    assert not Placement.objects.exists()
    placed = client.post(url, base, **hx)
    assert placed.status_code == 200 and Placement.objects.count() == 1
    body = placed.content.decode()
    assert "Kite" in body and "20:00–21:00" in body


def test_the_published_timetable_its_calendars_and_running_order(client, w, django_assert_max_num_queries):
    placement = timetable.placement_book(
        fstage=w.tent, band=w.owl, starts_at=local(w.first_day, 18), set_minutes=45, by=w.owner, now=timezone.now()
    )
    public = reverse("festivals:festival", args=[w.festival.slug])
    assert client.get(public).status_code == 404
    w.festival.published = True
    w.festival.save(update_fields=["published"])
    with django_assert_max_num_queries(8):
        page = client.get(public)
    body = page.content.decode()
    assert page.status_code == 200 and '"@type": "Festival"' in body and "Owl" in body
    stage_ics = client.get(reverse("festivals:stage_ics", args=[w.festival.slug, w.tent.pk]))
    assert stage_ics.status_code == 200 and stage_ics["Content-Type"].startswith("text/calendar")
    assert b"Owl" in stage_ics.content and b"SEQUENCE:0" in stage_ics.content
    assert client.get(reverse("festivals:stage_ics", args=[w.festival.slug, w.tent.pk])).content == stage_ics.content
    act = client.get(reverse("festivals:act_ics", args=[w.festival.slug, w.owl.slug]))
    assert act.status_code == 200 and placement.booking.band.name.encode() in act.content
    order = client.get(reverse("festivals:running_order", args=[w.festival.slug, w.tent.pk]))
    assert order.status_code == 200 and "18:00" in order.content.decode()
    assert client.get(reverse("festivals:running_order", args=[w.festival.slug, 999999])).status_code == 404


def test_the_organiser_makes_a_festival_adds_a_stage_and_moves_an_act_bad_input_changing_nothing(client, w):
    from festivals.models import Festival, FestivalStage
    from venues.models import Stage

    new = reverse("festivals:festival_new", args=[w.organisation.slug])
    as_(client, w.stranger)
    assert client.get(new).status_code == 404
    as_(client, w.owner)
    assert client.get(new).status_code == 200
    bad = {"name": "Winter Fest", "venue": w.venue.pk, "first_day": "2030-03-05", "last_day": "2030-03-01"}
    assert client.post(new, {**bad, "transfer_minutes": 10}).status_code == 200
    assert not Festival.objects.filter(name="Winter Fest").exists()
    extra = Stage.objects.create(venue=w.venue, name="Club")
    stages = reverse("festivals:stage_add", args=[w.festival.slug])
    page = client.post(
        stages, {"stage": extra.pk, "opens": "18:00", "closes": "18:00", "changeover_minutes": 10}, follow=True
    )
    assert "must be open" in page.content.decode()
    assert not FestivalStage.objects.filter(stage=extra).exists()
    client.post(stages, {"stage": extra.pk, "opens": "18:00", "closes": "23:00", "changeover_minutes": 10})
    assert FestivalStage.objects.filter(stage=extra).exists()
    placement = timetable.placement_book(
        fstage=w.tent, band=w.owl, starts_at=local(w.first_day, 18), set_minutes=45, by=w.owner, now=timezone.now()
    )
    move = reverse("festivals:move", args=[w.festival.slug])
    page = client.post(
        move,
        {"placement": placement.pk, "stage": w.main.pk, "day": w.first_day.isoformat(), "time": "09:00"},
        follow=True,
    )
    assert "is open from" in page.content.decode()
    assert (
        client.post(
            move, {"placement": 999999, "stage": w.main.pk, "day": w.first_day.isoformat(), "time": "15:00"}
        ).status_code
        == 404
    )
    client.post(move, {"placement": placement.pk, "stage": w.main.pk, "day": w.first_day.isoformat(), "time": "15:00"})
    placement.refresh_from_db()
    assert placement.festival_stage_id == w.main.pk and placement.sequence == 1
    as_(client, w.juror)
    assert (
        client.post(
            move, {"placement": placement.pk, "stage": w.tent.pk, "day": w.first_day.isoformat(), "time": "15:00"}
        ).status_code
        == 404
    )
