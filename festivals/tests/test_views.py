"""Every festivals page and form as the organiser, a juror, the applying band's leader, another band's
leader, a stranger and anonymous: who may, and bad input answered with a message or a 4xx, never a 500,
and nothing changed."""

import datetime as dt
import html
import re
from collections.abc import Iterator

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from festivals.models import Application, OpenCall, Placement, Score
from festivals.services import calls, jury, timetable
from stageslot.tests.once import as_it_is_now, rows_for_the_module
from teams.tests.factories import OrganisationFactory

from .factories import festival_world, local, placement_book

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


def test_a_refused_application_comes_back_with_what_the_band_typed(client, w):
    as_(client, w.leaders[w.owl.pk])
    url = reverse("festivals:apply", args=[w.call.slug, w.owl.slug])
    page = client.post(url, {"pitch": "Our long pitch", "blind_text": "x"})
    body = page.content.decode()
    assert page.status_code in (400, 409)
    assert "Our long pitch</textarea>" in body and "errorlist" in body
    assert not Application.objects.filter(call=w.call, band=w.owl).exists()


def test_applying_after_the_deadline_is_refused_with_nothing_changed(client, w):
    OpenCall.objects.filter(pk=w.call.pk).update(deadline=timezone.now() - dt.timedelta(minutes=1))
    as_(client, w.leaders[w.owl.pk])
    url = reverse("festivals:apply", args=[w.call.slug, w.owl.slug])
    page = client.post(url, {"pitch": "Late", "blind_text": "x", f"q{w.call.questions.get().pk}": "45"}, follow=True)
    assert page.status_code == 409 and "deadline" in page.content.decode()
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
    placement = placement_book(
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
    placement = placement_book(
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
    # By htmx, a refused move answers 409 inside the move form, read out.
    refused = client.post(
        move,
        {"placement": placement.pk, "stage": w.main.pk, "day": w.first_day.isoformat(), "time": "09:00"},
        HTTP_HX_REQUEST="true",
    )
    body = refused.content.decode()
    assert refused.status_code == 409 and refused["HX-Retarget"] == "#timetable-grid"
    answer = body[body.index(reverse("festivals:move", args=[w.festival.slug])) :]
    assert 'role="alert"' in answer.split("</form>")[0] and "is open from" in answer.split("</form>")[0]
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


# ---- The organiser's way in, and every organiser route closed to others -------------------------------

# Routes anyone may read (the public call, list and timetable) or a band's leaders use; every other route of
# the festivals app is the organiser's and is discovered below, so a new one is checked the day it is added.
NOT_THE_ORGANISERS = {"calls", "call", "apply", "withdraw", "festival", "running_order", "stage_ics", "act_ics"}
NOT_THE_ORGANISERS |= {"jury", "score", "decide"}  # the jury's, checked in their own tests above
NOT_THE_ORGANISERS |= {"desk"}  # the person's own organisations, checked below
# What the public reads of a release (test_releases).
NOT_THE_ORGANISERS |= {"schedule_json", "schedule_xml", "releases", "release"}
NOT_THE_ORGANISERS |= {"release_schedule_json", "release_schedule_xml"}


def organiser_routes(w) -> list[tuple[str, str]]:
    """Every organiser route of the festivals app with the world's values for its arguments."""
    from django.urls import URLPattern

    from festivals import urls

    values = {
        "org": w.organisation.slug,
        "action": "publish",
        "stage_id": w.main.pk,
        "band": w.kite.slug,
        "code": w.kite_app.code,
        "number": 1,
    }
    found = []
    for pattern in urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        if pattern.name in NOT_THE_ORGANISERS:
            continue
        names = list(pattern.pattern.regex.groupindex)
        kwargs = {n: values.get(n) for n in names}
        if "slug" in names:
            kwargs["slug"] = w.festival.slug if str(pattern.pattern).startswith("festivals/") else w.call.slug
        found.append((pattern.name, reverse(f"festivals:{pattern.name}", kwargs=kwargs)))
    return found


@pytest.mark.parametrize("who", ["another organisation", "juror", "band", "stranger", "anonymous"])
def test_every_organiser_route_is_closed_to_others(client, w, who):
    from teams.models import Role
    from teams.tests.factories import OrgMemberFactory

    other = OrgMemberFactory(role=Role.OWNER).user
    as_(client, {**people(w), "another organisation": other}[who])
    routes = organiser_routes(w)
    assert len(routes) >= 11, routes
    for name, url in routes:
        for answer in (client.get(url), client.post(url, {})):
            expected = {302} if who == "anonymous" else {404, 405}
            assert answer.status_code in expected, (name, url, answer.status_code)
    assert Placement.objects.count() == 0 and OpenCall.objects.filter(status="draft").count() == 0


def test_the_desk_the_dashboard_and_the_organisations_page_lead_the_organiser_everywhere(client, w):
    as_(client, w.owner)
    wanted = [
        reverse("festivals:call_new", args=[w.organisation.slug]),
        reverse("festivals:festival_new", args=[w.organisation.slug]),
        reverse("festivals:manage", args=[w.call.slug]),
        reverse("festivals:builder", args=[w.festival.slug]),
        reverse("festivals:jury", args=[w.call.slug]),
    ]
    for page in (reverse("festivals:desk"), reverse("festivals:desk_org", args=[w.organisation.slug]), "/dashboard/"):
        body = client.get(page).content.decode()
        assert all(f'href="{url}' in body for url in wanted), page
        assert "1 application waiting for the jury" in body, page
    body = client.get(reverse("teams:detail", args=[w.organisation.slug])).content.decode()
    assert all(f'href="{url}"' in body for url in wanted[:2])
    assert reverse("festivals:desk") in client.get("/dashboard/").content.decode(), "the account menu leads there"


@pytest.mark.parametrize("who", ["stranger", "band"])
def test_the_desk_shows_others_nothing_of_the_organisation(client, w, who):
    as_(client, people(w)[who])
    body = client.get(reverse("festivals:desk")).content.decode()
    assert w.call.title not in body and "Start an organisation" in body
    assert w.call.title not in client.get("/dashboard/").content.decode()
    assert client.get(reverse("festivals:desk_org", args=[w.organisation.slug])).status_code == 404
    client.logout()
    assert client.get(reverse("festivals:desk")).status_code == 302


def call_data(**changes) -> dict:
    day = (timezone.now() + dt.timedelta(days=60)).date()
    data = {
        "title": "Winter call", "first_day": day.isoformat(), "last_day": (day + dt.timedelta(days=1)).isoformat(),
        "time_zone": "Europe/Berlin", "deadline_day": (day - dt.timedelta(days=20)).isoformat(),
        "deadline_time": "23:59", "criteria": "Music", "currency": "EUR",
    }  # fmt: skip
    return {**data, **changes}


def test_a_draft_call_is_made_for_a_festival_changed_and_tied_to_another(client, w):
    as_(client, w.owner)
    new = reverse("festivals:call_new", args=[w.organisation.slug])
    page = client.post(new, call_data(time_zone="Mars/Base"))
    assert page.status_code == 200 and "not a time zone we know" in page.content.decode()
    assert 'name="time_zone"' in page.content.decode() and "<select" in page.content.decode()
    client.post(new, call_data(festival=w.festival.pk))
    call = OpenCall.objects.get(title="Winter call")
    assert call.festival == w.festival and call.status == OpenCall.Status.DRAFT
    edit = reverse("festivals:call_edit", args=[call.slug])
    form = client.get(edit).content.decode()
    assert 'value="Winter call"' in form and "Label:" not in form
    page = client.post(edit, call_data(title="Winter call, changed", festival=""), follow=True)
    call.refresh_from_db()
    assert call.title == "Winter call, changed" and call.festival is None
    tie = reverse("festivals:call_action", args=[call.slug, "festival"])
    client.post(tie, {"festival": w.festival.pk})
    call.refresh_from_db()
    assert call.festival == w.festival
    # Another organisation's festival is no choice; nothing changes.
    from festivals.models import Festival

    foreign = Festival.objects.create(
        organisation=OrganisationFactory(), venue=w.venue, name="Other", slug="other-fest",
        first_day=w.first_day, last_day=w.first_day,
    )  # fmt: skip
    client.post(tie, {"festival": foreign.pk})
    call.refresh_from_db()
    assert call.festival == w.festival
    # A published call keeps what bands applied to.
    calls.call_publish(call=call, by=w.owner, now=timezone.now())
    page = client.post(edit, call_data(title="Sneaky"), follow=True)
    call.refresh_from_db()
    assert call.title == "Winter call, changed" and "no longer changes" in page.content.decode()


def test_a_shortlisted_act_of_a_tied_call_appears_in_the_builder_with_every_id_once(client, w):
    import re
    from collections import Counter

    as_(client, w.owner)
    builder = reverse("festivals:builder", args=[w.festival.slug])
    assert f'value="{w.kite.slug}"' not in client.get(builder).content.decode()
    Application.objects.filter(pk=w.kite_app.pk).update(status=Application.Status.SHORTLISTED)
    body = client.get(builder).content.decode()
    assert f'value="{w.kite.slug}"' in body
    ids = Counter(re.findall(r'\sid="([^"]+)"', body))
    assert [i for i, n in ids.items() if n > 1] == []
    assert '<li class="muted">' not in body and "No acts yet." in body
    jury_page = client.get(reverse("festivals:jury", args=[w.call.slug])).content.decode()
    assert "(1 score)" in jury_page


def test_the_call_form_reads_two_festivals_of_one_name_apart(client, w):
    """Each year's edition has the festival's name: the choice names its site and days too."""
    next_year = timetable.festival_create(
        organisation=w.organisation, venue=w.festival.venue, name=w.festival.name,
        first_day=w.festival.first_day + dt.timedelta(days=364), last_day=w.festival.last_day + dt.timedelta(days=364),
        by=w.owner,
    )  # fmt: skip
    as_(client, w.owner)
    page = client.get(reverse("festivals:call_new", args=[w.organisation.slug])).content.decode()
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', page)
    labels = {int(pk): html.unescape(label) for pk, label in options if pk}
    assert labels[w.festival.pk] != labels[next_year.pk]
    assert {labels[w.festival.pk].split(" · ")[0], labels[next_year.pk].split(" · ")[0]} == {w.festival.name}
    assert w.festival.venue.name in labels[next_year.pk]
    assert date_format(next_year.first_day, "SHORT_DATE_FORMAT") in labels[next_year.pk]
