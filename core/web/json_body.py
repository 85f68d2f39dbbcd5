"""Reading a JSON body: the one place that does it, for every door that takes JSON – the API's parser
(bookings.api.core), our own views (json_body) and form fields that carry JSON (JsonFormField, the
passkey forms' credential) – and the safety net for a body that breaks a reader anyway.

What no door can use is refused here with a sentence that says why, before anything else reads it:
a body over JSON_BODY_MAX_BYTES, bytes that are not UTF-8, text that is not JSON, NaN and Infinity
(and numbers too large for a float), integers outside 64 bits, nesting deeper than JSON_DEPTH_MAX,
and control characters or lone surrogates in any text, keys included (as accounts.middleware refuses
them in forms). Duplicate keys are allowed: the last one counts, as in JSON.parse.
"""

import json
import logging
import math
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.fields.form_fields import control_character_in, control_character_words

logger = logging.getLogger(__name__)

# Far above the largest JSON any door takes (the longest text field is 20,000 characters); below
# DATA_UPLOAD_MAX_MEMORY_SIZE, which bounds uploads.
JSON_BODY_MAX_BYTES = 1024 * 1024
# No body of ours nests deeper than a few levels; Python's parser and every recursive reader after
# it (pydantic, our own walks) meet their recursion limit around a thousand.
JSON_DEPTH_MAX = 32
INT_MAX = 2**63 - 1
# Methods whose request carries a body.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class BodyUnreadable(ValueError):
    """A body (or a field's value) that is not JSON we can read. `detail` is what the person reads;
    `status` is 413 for a body too large, else 400."""

    def __init__(self, detail: str, *, status: int = 400) -> None:
        super().__init__(detail)
        self.detail, self.status = detail, status


def _no_constant(name: str):
    raise BodyUnreadable(_("The body contains %(name)s, which is not a number JSON allows.") % {"name": name})


def _integer(text: str) -> int:
    # A long digit string is refused before int() reads it (Python's own limit is 4,300 digits).
    value = int(text) if len(text) <= 20 else INT_MAX + 1
    if not -INT_MAX - 1 <= value <= INT_MAX:
        raise BodyUnreadable(_("The body contains a number too large to be stored."))
    return value


def _real(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BodyUnreadable(_("The body contains a number too large to be stored."))
    return value


def json_parse(raw: bytes | str, *, max_bytes: int = JSON_BODY_MAX_BYTES) -> Any:
    """The value of a JSON document (a body's bytes or a field's text), checked as the module says.
    Raises BodyUnreadable; never RecursionError, UnicodeDecodeError or any other error."""
    if len(raw) > max_bytes:
        raise BodyUnreadable(
            _("The body is larger than %(size)d KB; nothing was done.") % {"size": max_bytes // 1024}, status=413
        )
    if isinstance(raw, bytes | bytearray):
        try:
            text = bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise BodyUnreadable(_("The body is not UTF-8 text.")) from None
    else:
        text = raw
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_int=_integer, parse_float=_real)
    except BodyUnreadable:
        raise
    except RecursionError:
        raise BodyUnreadable(_("The body nests deeper than %(depth)d levels.") % {"depth": JSON_DEPTH_MAX}) from None
    except ValueError:  # JSONDecodeError, a lone surrogate the decoder met
        raise BodyUnreadable(_("The body is not JSON.")) from None
    _check(value)
    return value


def _check(value: Any) -> None:
    """Depth and texts, walked without recursion (a deep document must not exhaust the stack here)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if code := control_character_in(item):
                # Translators: what names the character ("an invisible control character (U+0000)").
                raise BodyUnreadable(_("The body contains %(what)s.") % {"what": control_character_words(code)})
        elif isinstance(item, dict | list):
            if depth > JSON_DEPTH_MAX:
                raise BodyUnreadable(_("The body nests deeper than %(depth)d levels.") % {"depth": JSON_DEPTH_MAX})
            if isinstance(item, dict):
                stack.extend((key, depth) for key in item)
                stack.extend((child, depth + 1) for child in item.values())
            else:
                stack.extend((child, depth + 1) for child in item)


def json_body(request: HttpRequest) -> Any:
    """The request's body as JSON, read once (the API's authentication and its parser share it).
    An empty body is None. Raises BodyUnreadable."""
    if not hasattr(request, "_stageslot_json"):
        raw = request.body  # RequestDataTooBig and the like: Django answers them itself (400/413)
        request._stageslot_json = json_parse(raw) if raw else None
    return request._stageslot_json


class JsonFormField(forms.JSONField):
    """forms.JSONField reading its text through json_parse: a value that is no JSON we can read (too
    deep, NaN, a surrogate) is the field's error, not a 500."""

    default_error_messages = {"invalid": gettext_lazy("This is not JSON we can read.")}

    def to_python(self, value):
        if self.disabled or value in self.empty_values:
            return super().to_python(value)
        if isinstance(value, list | dict | int | float):
            return value
        try:
            return json_parse(str(value))
        except BodyUnreadable:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def bound_data(self, data, initial):
        if self.disabled:
            return initial
        if data is None:
            return None
        try:
            return json_parse(str(data))
        except BodyUnreadable:
            return forms.fields.InvalidJSONInput(data)


# ---- The safety net ------------------------------------------------------------------------------

# What a reader raises on a body it cannot read when it did not go through json_parse.
UNREADABLE = (BodyUnreadable, RecursionError, UnicodeDecodeError)


def body_was_unreadable(request: HttpRequest, exc: BaseException) -> bool:
    """Whether `exc`, escaping a view, most likely comes from a body no reader could read: a
    BodyUnreadable, or a RecursionError or UnicodeDecodeError while handling a request that carried a
    body. Logged as a warning with its traceback, so a bug of ours that raises one still shows."""
    if not isinstance(exc, UNREADABLE):
        return False
    if not isinstance(exc, BodyUnreadable):
        if request.method not in BODY_METHODS or request.META.get("CONTENT_LENGTH") in (None, "", "0"):
            return False
        logger.warning("A body that could not be read answered 400: %s %s", request.method, request.path, exc_info=exc)
    return True


class UnreadableBodyMiddleware:
    """A body a view could not read (see body_was_unreadable) is a 400, never a 500: the page's 400,
    or the API's problem (stageslot.errors.bad_request, handler400)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if body_was_unreadable(request, exception):
            raise BadRequest(str(getattr(exception, "detail", "") or _("The body could not be read."))) from exception
