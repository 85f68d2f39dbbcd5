"""The gigs' links that act for a person (decision 0055): a member's one-click answer and a stand-in's ask.
Someone signed in as another person changes nothing and is told whose the answer is; the person, signed in
or not, answers as before."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils.html import escape

from accounts.tests.factories import UserFactory
from gigs.models import GigAnswer, StandInAsk
from gigs.services.answers import answer_link_token
from gigs.services.stand_ins import stand_in_request_create
from gigs.tests.test_stand_ins import stand_in_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return stand_in_world()


def _answer(world, member) -> GigAnswer:
    return GigAnswer.objects.get(booking=world.gig, member=member)


def _answer_url(world, member, answer: str = "cant") -> str:
    return reverse("gigs:answer_link", args=[answer_link_token(booking=world.gig, member_id=member.pk, answer=answer)])


def _refused(response, *, named, opener) -> str:
    """The refusal page: 403, whom the link is for, who is logged in, and logging out to open it again."""
    html = response.content.decode()
    assert response.status_code == 403
    assert f"This answer is for {escape(named)}" in html
    assert f"You are logged in as {escape(opener.name)} ({escape(opener.email)})" in html
    assert f'action="{reverse("account_logout")}"' in html
    assert "Log out and open the link again" in html
    assert "data-answer-autosubmit" not in html
    return html


# ---- "Can you play?" --------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["drummer", "leader", "stranger"])
def test_a_bandmate_or_anyone_signed_in_cannot_answer_with_a_members_link(client, world, who):
    """The reported case: a member signed in as himself opened his bandmate's "can't" link."""
    url = _answer_url(world, world.member, "cant")
    opener = getattr(world, who)
    client.force_login(opener)

    for response in (client.get(url), client.post(url), client.post(url, {"comment": "Not me"})):
        _refused(response, named=world.member.name, opener=opener)
    place = _answer(world, world.member)
    assert (place.answer, place.comment) == ("", "")


def test_the_member_signed_in_answers_from_their_link(client, world):
    url = _answer_url(world, world.member, "probably")
    client.force_login(world.member)
    assert "data-answer-autosubmit" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 200
    assert _answer(world, world.member).answer == "probably"
    assert reverse("gigs:gig", args=[world.gig.uid]) in response.content.decode()


def test_an_anonymous_browser_answers_for_the_member_the_link_names(client, world):
    url = _answer_url(world, world.member, "definitely")
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 200
    assert _answer(world, world.member).answer == "definitely"


def test_logging_out_from_the_refusal_opens_the_link_again_for_the_member(client, world):
    url = _answer_url(world, world.member, "definitely")
    client.force_login(world.drummer)
    assert client.get(url).status_code == 403

    response = client.post(reverse("account_logout"), {"next": url})

    assert response.status_code == 302
    assert response.url == url
    page = client.get(url)
    assert page.status_code == 200
    assert "data-answer-autosubmit" in page.content.decode()  # one click again: the page posts the answer
    assert _answer(world, world.member).answer == ""


# ---- A stand-in's ask -----------------------------------------------------------------------------------


def _ask_url(world, stand_in) -> str:
    request = stand_in_request_create(place=world.place, by=world.leader, stand_ins=[world.sam, world.kim])
    return reverse("gigs:stand_in_ask", args=[request.asks.get(stand_in=stand_in).token])


@pytest.mark.parametrize("who", ["leader", "drummer", "kim_user"])
def test_someone_signed_in_cannot_say_yes_for_a_stand_in_without_an_account(client, world, who):
    url = _ask_url(world, world.sam)
    opener = getattr(world, who)
    client.force_login(opener)

    for response in (client.get(url), client.post(url, {"reply": "yes"})):
        html = _refused(response, named="Sam Sticks", opener=opener)
        assert "sam@example.com" not in html  # the name says whom it is for; the address stays private
    world.place.refresh_from_db()
    assert world.place.stand_in_id is None
    assert StandInAsk.objects.get(stand_in=world.sam).reply == ""


def test_someone_signed_in_cannot_say_no_for_a_stand_in_with_an_account(client, world):
    url = _ask_url(world, world.kim)
    client.force_login(world.leader)
    _refused(client.post(url, {"reply": "no"}), named="Kim Kit", opener=world.leader)
    assert StandInAsk.objects.get(stand_in=world.kim).reply == ""


def test_the_stand_in_signed_in_answers_their_ask(client, world):
    url = _ask_url(world, world.kim)
    client.force_login(world.kim_user)
    assert "Can you stand in" in client.get(url).content.decode()
    response = client.post(url, {"reply": "yes"})
    assert response.status_code == 200
    assert "The place is yours" in response.content.decode()
    world.place.refresh_from_db()
    assert world.place.stand_in == world.kim


def test_an_account_made_later_with_the_stand_ins_address_is_the_stand_in(client, world):
    url = _ask_url(world, world.sam)
    sam_user = UserFactory(email="other-login@example.com", display_name="Sam Sticks")
    EmailAddress.objects.create(user=sam_user, email="SAM@example.com", verified=True)
    client.force_login(sam_user)
    response = client.post(url, {"reply": "no"})
    assert response.status_code == 200
    assert StandInAsk.objects.get(stand_in=world.sam).reply == "no"


def test_an_anonymous_browser_answers_for_the_stand_in_the_ask_names(client, world):
    url = _ask_url(world, world.sam)
    response = client.post(url, {"reply": "yes"})
    assert "The place is yours" in response.content.decode()
    world.place.refresh_from_db()
    assert world.place.stand_in == world.sam


def test_every_word_of_the_refusal_and_the_warnings_is_marked(client, world):
    from bands.tests.pseudo_pages import page_data
    from stageslot.tests.pseudo import pseudo_locale, unwrapped_text

    client.force_login(world.drummer)
    url = _answer_url(world, world.member)
    with pseudo_locale():
        response = client.get(url)
    assert response.status_code == 403
    assert unwrapped_text(response.content.decode(), data=page_data()) == []
