"""Google's answers as recorded at the HTTP boundary (google_answers/*.json), and the fixture that serves
them through `responses`: no test here reaches Google, and a request nobody recorded fails the test.

The free/busy answers were recorded for a window starting 2026-11-24; `moved()` shifts every timestamp in
an answer by whole days so the tests keep working as the calendar moves on.
"""

import contextlib
import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import responses

ANSWERS = Path(__file__).parent / "google_answers"
CLIENT_ID = "407408718192-stageslottest0a1b2c3d4e5f6g7h8i9j.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-recorded-test-secret"
AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth"
TOKEN_URL = "https://oauth2.googleapis.com/token"
REVOKE_URL = "https://oauth2.googleapis.com/revoke"
FREEBUSY_URL = "https://www.googleapis.com/calendar/v3/freeBusy"
RECORDED_ON = dt.date(2026, 11, 24)
REFRESH_TOKEN = json.loads((ANSWERS / "token_exchange.json").read_text())["refresh_token"]
_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def answer(name: str) -> Any:
    """A recorded answer's JSON."""
    return json.loads((ANSWERS / name).read_text())


def raw(name: str) -> bytes:
    return (ANSWERS / name).read_bytes()


def moved(body: Any, *, to: dt.date) -> Any:
    """The answer with every timestamp shifted by the days from the recording's first day to `to`."""
    shift = to - RECORDED_ON
    if isinstance(body, dict):
        return {key: moved(value, to=to) for key, value in body.items()}
    if isinstance(body, list):
        return [moved(value, to=to) for value in body]
    if isinstance(body, str) and _STAMP.match(body):
        moment = dt.datetime.fromisoformat(body) + shift
        return moment.strftime("%Y-%m-%dT%H:%M:%S") + ("." + body[20:23] + "Z" if "." in body else "Z")
    return body


def freebusy_from(recorded: dict) -> Callable[[Any], tuple[int, dict, str]]:
    """A `responses` callback answering each free/busy query the way Google does from one recorded answer:
    its busy stretches that overlap the window asked, the window echoed, per calendar asked."""
    stretches = recorded["calendars"]["primary"]["busy"]

    def reply(request: Any) -> tuple[int, dict, str]:
        query = json.loads(request.body)
        low, high = (dt.datetime.fromisoformat(query[key]) for key in ("timeMin", "timeMax"))
        busy = [
            s
            for s in stretches
            if dt.datetime.fromisoformat(s["start"]) < high and dt.datetime.fromisoformat(s["end"]) > low
        ]
        body = {
            "kind": "calendar#freeBusy",
            "timeMin": query["timeMin"],
            "timeMax": query["timeMax"],
            "calendars": {item["id"]: {"busy": busy if item["id"] == "primary" else []} for item in query["items"]},
        }
        return 200, {"Content-Type": "application/json; charset=UTF-8"}, json.dumps(body)

    return reply


def form(call: responses.Call) -> dict[str, str]:
    """A form-encoded request body as a flat dict."""
    return {key: values[0] for key, values in parse_qs(call.request.body).items()}


@contextlib.contextmanager
def google_answering(settings) -> Iterator[responses.RequestsMock]:
    """Google's keys set and its endpoints answered only by what a test records (`mock.add(...)`); a test
    module makes it its `google_http` fixture."""
    settings.GOOGLE_CLIENT_ID = CLIENT_ID
    settings.GOOGLE_CLIENT_SECRET = CLIENT_SECRET
    settings.GOOGLE_OAUTH_AUTHORIZE_URL = AUTHORIZE_URL
    settings.GOOGLE_OAUTH_TOKEN_URL = TOKEN_URL
    settings.GOOGLE_OAUTH_REVOKE_URL = REVOKE_URL
    settings.GOOGLE_CALENDAR_API_URL = "https://www.googleapis.com/calendar/v3"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
