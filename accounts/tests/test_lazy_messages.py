"""LazyMessageMiddleware: an answer that adds and reads no message builds no message storage and writes
nothing of it; one that adds a message stores it in the cookie as Django's middleware does, and the next
request reads it and clears the cookie."""

import pytest
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core import checks
from django.http import HttpResponse
from django.test import RequestFactory

from accounts import middleware
from accounts.middleware import LazyMessageMiddleware


def run(get_response, cookies=None):
    request = RequestFactory().get("/")
    request.COOKIES.update(cookies or {})
    request.session = {}
    return LazyMessageMiddleware(get_response)(request)


def test_an_answer_without_messages_builds_no_storage_and_sets_no_cookie(monkeypatch):
    made = []
    real = middleware.default_storage
    monkeypatch.setattr(middleware, "default_storage", lambda request: made.append(1) or real(request))
    response = run(lambda request: HttpResponse("kept page"))
    assert made == []
    assert CookieStorage.cookie_name not in response.cookies


def test_a_message_added_is_kept_for_the_next_request_which_reads_and_clears_it():
    def add(request):
        messages.info(request, "Saved.")
        return HttpResponse("form")

    first = run(add)
    cookie = first.cookies[CookieStorage.cookie_name]
    assert cookie.value
    shown = []

    def read(request):
        shown.extend(str(m) for m in messages.get_messages(request))
        return HttpResponse("page")

    second = run(read, cookies={CookieStorage.cookie_name: cookie.value})
    assert shown == ["Saved."]
    assert second.cookies[CookieStorage.cookie_name]["max-age"] == 0


def test_a_message_waiting_but_not_read_stays_in_its_cookie():
    first = run(lambda request: messages.info(request, "Saved.") or HttpResponse("form"))
    value = first.cookies[CookieStorage.cookie_name].value
    second = run(lambda request: HttpResponse("kept page"), cookies={CookieStorage.cookie_name: value})
    assert CookieStorage.cookie_name not in second.cookies


@pytest.mark.django_db
def test_the_admin_still_finds_the_messages_middleware():
    assert not [e for e in checks.run_checks() if e.id == "admin.E409"]
