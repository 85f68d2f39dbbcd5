"""What every operation of the JSON API shares: the API object, token authentication with scopes and
rate limits, errors as application/problem+json (RFC 9457), ETags, and keyset pagination.

The API answers on the same selectors and services as the pages: a refusal of a service becomes the
same status the pages give it (bookings.pages.refusal_code) with the same message.
"""

import base64
import copy
import datetime as dt
import functools
import hashlib
import json
import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.responses import Response
from ninja.security import HttpBearer

from accounts.api_tokens import api_token_check
from accounts.mfa import STEP_UP_SCOPES, step_up_token_refusal
from accounts.models import ApiToken
from accounts.ratelimit import LimitReached, rate_limit_take
from core.fields.dates import DateInputError
from core.web.client_ip import client_ip
from core.web.json_body import BodyUnreadable, body_was_unreadable, json_body

from ..errors import BookingError
from ..pages import refusal_code

request_logger = logging.getLogger("django.request")
PROBLEM_TYPE = "application/problem+json"
# A problem's title, in the language the request asks for (LocaleMiddleware: Accept-Language).
TITLES = {
    400: gettext_lazy("Bad request"),
    401: gettext_lazy("Not authenticated"),
    402: gettext_lazy("Payment declined"),
    403: gettext_lazy("Forbidden"),
    404: gettext_lazy("Not found"),
    405: gettext_lazy("Method not allowed"),
    409: gettext_lazy("Conflict"),
    422: gettext_lazy("Invalid input"),
    429: gettext_lazy("Too many requests"),
    500: gettext_lazy("Internal server error"),
    503: gettext_lazy("Service unavailable"),
}
# Statuses every operation may answer with a problem: no or a bad token, too many calls, bad input.
COMMON_ERRORS = frozenset({400, 401, 422, 429})
PAGE_DEFAULT = 20
PAGE_MAX = 100


class Problem(Schema):
    """An error, as RFC 9457 application/problem+json. `errors` names the fields of bad input."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: dict[str, list[str]] | None = None


class ApiProblem(Exception):
    """Raise to answer with a problem: `detail` is what the person reads."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.detail, self.errors, self.headers = status, detail, errors, headers or {}


def problem_response(
    status: int, detail: str, *, errors: dict | None = None, headers: dict[str, str] | None = None
) -> HttpResponse:
    title = str(TITLES.get(status) or _("Error"))
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    body["detail"] = str(detail)
    if errors:  # a message may be lazy (gettext_lazy): in the request's language now
        body["errors"] = {field: [str(message) for message in messages] for field, messages in errors.items()}
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def field_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {("body" if field == "__all__" else field): list(msgs) for field, msgs in exc.message_dict.items()}
    return {"body": list(exc.messages)}


def _ninja_errors(exc: NinjaValidationError) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for error in exc.errors:
        parts = list(error.get("loc", ()))
        if parts[:1] in (["form"], ["file"]):  # a multipart field: ("file", "file") is the field "file"
            parts = parts[1:]
        location = [str(part) for part in parts if part not in ("query", "body", "path", "payload")]
        found.setdefault(".".join(location) or "body", []).append(str(error.get("msg", "Invalid value.")))
    return found


class JsonBodyParser(Parser):
    """Every JSON body of the API is read by core.web.json_body, the one reader of JSON bodies: too
    deep, too large, not UTF-8, NaN, a control character – a 400 (413) problem, never a 500."""

    def parse_body(self, request: HttpRequest):
        return json_body(request)


class StageSlotAPI(NinjaAPI):
    """NinjaAPI answering errors as problems, reads with an ETag (304 when it matches), and declaring
    both in its OpenAPI schema."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._openapi_kept: dict[str, dict] = {}

    def create_response(self, request, data, *, status=None, temporal_response=None) -> HttpResponse:
        response = super().create_response(request, data, status=status, temporal_response=temporal_response)
        if request.method == "GET" and response.status_code == 200:
            etag = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
            response["ETag"] = etag
            response["Cache-Control"] = "private, no-cache"
            response["Vary"] = "Authorization"
            asked = request.headers.get("If-None-Match", "")
            if etag in {tag.strip() for tag in asked.split(",")} or asked.strip() == "*":
                not_modified = HttpResponse(status=304)
                for name in ("ETag", "Cache-Control", "Vary"):
                    not_modified[name] = response[name]
                return not_modified
        return response

    @property
    def urls(self):
        """The routes, each answering a method it does not take with a 405 problem (Allow kept); the schema's
        route answers from the schema kept (`kept_openapi_schema`)."""
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if pattern.name == "openapi-json":
                view = functools.partial(_openapi_json, api=self)
                pattern.callback = self.docs_decorator(view) if self.docs_decorator else view
            pattern.callback = _problem_for_405(pattern.callback)
        return patterns, app_name, namespace

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """The schema, the caller's own copy to read or change (`kept_openapi_schema`)."""
        return copy.deepcopy(self.kept_openapi_schema(path_prefix=path_prefix, path_params=path_params))

    def kept_openapi_schema(self, *, path_prefix=None, path_params=None):
        """The schema as this process made it the first time it was asked for, for readers that change nothing.

        The operations are all declared when their modules are imported, so the schema is the same every time:
        working it out again (pydantic's JSON schema of every model of every operation) took about a second of CPU
        for each GET of /api/v1/openapi.json. Kept by the prefix the routes are mounted at."""
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        if path_prefix not in self._openapi_kept:
            self._openapi_kept[path_prefix] = self._openapi_schema(path_prefix)
        return self._openapi_kept[path_prefix]

    def _openapi_schema(self, path_prefix: str):
        schema = super().get_openapi_schema(path_prefix=path_prefix)
        for methods in schema.get("paths", {}).values():
            for method, operation in methods.items():
                for code, answer in operation.get("responses", {}).items():
                    content = answer.get("content", {})
                    if int(code) >= 400 and "application/json" in content:
                        answer["content"] = {PROBLEM_TYPE: content.pop("application/json")}
                if method == "get":
                    operation["responses"].setdefault(
                        304, {"description": "Not modified: the ETag sent in If-None-Match still matches"}
                    )
        return schema


def _openapi_json(request: HttpRequest, api: StageSlotAPI, **kwargs) -> HttpResponse:
    """/api/v1/openapi.json (ninja's own view, without the copy): the schema kept, drawn in the request's language."""
    return Response(api.kept_openapi_schema(path_params=kwargs))


def _problem_for_405(view):
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and response.get("Content-Type", "").startswith("text/html"):
            allowed = response.get("Allow", "")
            return problem_response(
                405,
                # Translators: methods is a list of HTTP methods ("GET, POST").
                _("This address takes %(methods)s.") % {"methods": allowed},
                headers={"Allow": allowed},
            )
        return response

    return wrapped


def _docs_policy(view):
    """Swagger UI (served from ninja's own static files) sets style attributes, as the admin's widgets do:
    the docs page gets the admin's policy, scripts still from this site only."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = settings.STAGESLOT_CSP_ADMIN
        return response

    return wrapped


api = StageSlotAPI(
    title="StageSlot API",
    version="1.0.0",
    description=(
        "Bands, venues, slots and bookings, on the same rules as the site. Authenticate with a personal "
        "access token made at /me/tokens/: `Authorization: Bearer ss_…`. Times are UTC (ISO 8601) with the "
        "IANA zone they are meant in given beside them. Lists page by keyset: follow `next`. Errors are "
        "application/problem+json. Reads carry an ETag; send it back in If-None-Match for a 304. A token with "
        "the `payments` scope expires within 90 days; for an account with two-factor on it is made right after "
        "the second factor, and one made without it is refused (403) on every call that moves money."
    ),
    urls_namespace="api-v1",
    docs_url="/docs",
    docs_decorator=_docs_policy,
    openapi_url="/openapi.json",
    parser=JsonBodyParser(),
)


@api.exception_handler(ApiProblem)
def _problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
    return problem_response(exc.status, exc.detail, errors=exc.errors, headers=exc.headers)


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    # A date out of its bound (core/fields/dates.py) is one of them: its message, naming the first or last date
    # allowed, is the field's.
    return problem_response(422, _("Some of the input is not valid."), errors=_ninja_errors(exc))


@api.exception_handler(DateInputError)
def _date_out_of_bound(request: HttpRequest, exc: DateInputError) -> HttpResponse:
    """A date an operation read from the query itself (core.fields.dates.query_date): 422 by field, as above."""
    return problem_response(422, _("Some of the input is not valid."), errors={exc.name: list(exc.messages)})


@api.exception_handler(DjangoValidationError)
def _invalid_django(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return problem_response(422, _("Some of the input is not valid."), errors=field_errors(exc))


@api.exception_handler(BookingError)
def _refused(request: HttpRequest, exc: BookingError) -> HttpResponse:
    return problem_response(refusal_code(exc), str(exc))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(401, _("Send a personal access token: Authorization: Bearer ss_…"), headers=CHALLENGE)


@api.exception_handler(Http404)
def _missing(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(404, str(exc) or _("Not found."))


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return problem_response(403, str(exc) or _("You may not do this."))


@api.exception_handler(LimitReached)
def _limit_reached(request: HttpRequest, exc: LimitReached) -> HttpResponse:
    return problem_response(429, str(exc), headers={"Retry-After": str(exc.retry_after)})


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, BodyUnreadable):  # ninja wraps what its parser raised
        return problem_response(exc.__cause__.status, exc.__cause__.detail)
    return problem_response(exc.status_code, str(exc))


@api.exception_handler(BodyUnreadable)
def _unreadable(request: HttpRequest, exc: BodyUnreadable) -> HttpResponse:
    return problem_response(exc.status, exc.detail)


UNAVAILABLE_RETRY = 30  # seconds a client waits before trying again while the database is away
UNAVAILABLE = gettext_lazy("The service cannot reach its database just now. Nothing was done; try again in a moment.")
FAULT = gettext_lazy("Something went wrong on our side and has been logged. Try again; if it keeps happening, tell us.")


def server_problem(exc: BaseException | None) -> HttpResponse:
    """A fault as a problem: 503 with Retry-After when the database is unreachable or failing, else 500.
    Never an HTML page, never the fault's own text (it may hold internals)."""
    if isinstance(exc, (OperationalError, InterfaceError)):
        return problem_response(503, str(UNAVAILABLE), headers={"Retry-After": str(UNAVAILABLE_RETRY)})
    return problem_response(500, str(FAULT))


@api.exception_handler(Exception)
def _fault(request: HttpRequest, exc: Exception) -> HttpResponse:
    if body_was_unreadable(request, exc):  # the safety net: a body some reader could not read
        return problem_response(400, _("The body could not be read. Nothing was done."))
    # Logged as Django logs an unhandled exception, so error reporting sees it.
    request_logger.error(
        "Internal Server Error: %s", request.path, exc_info=exc, extra={"status_code": 500, "request": request}
    )
    return server_problem(exc)


# ---- Authentication, scopes and rate limits ------------------------------------------------------

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="StageSlot API"'}


class Anonymous:
    """The caller of a public read that sent no token: a visitor, as on the public pages."""

    scopes: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return True


def _rate_check(action: str, who: int | str) -> None:
    wait = rate_limit_take(action=action, who=who)
    if wait:
        raise ApiProblem(
            429,
            ngettext(
                "Too many calls; try again in %(seconds)d second.",
                "Too many calls; try again in %(seconds)d seconds.",
                wait,
            )
            % {"seconds": wait},
            headers={"Retry-After": str(wait)},
        )


def _body_check(request: HttpRequest) -> None:
    """A body that is not a form is JSON, read by core.web.json_body (UTF-8, not too deep or large, no
    control characters in its texts): refused with a 400 problem before the token is even looked at,
    as the site's forms are (accounts.middleware.ControlCharacterMiddleware)."""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE") or request.content_type in FORM_TYPES:
        return  # a form body was read and checked by ControlCharacterMiddleware; the operation refuses it
    try:
        json_body(request)
    except BodyUnreadable as exc:
        raise ApiProblem(exc.status, exc.detail) from None


FORM_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})


class TokenAuth(HttpBearer):
    """`Authorization: Bearer ss_…`. A public read (`optional`) also answers without a token, as a visitor.

    A token that is sent must be live, whatever the operation: a revoked or expired token is a 401,
    never a silent visitor. Each call counts against the caller's address and, with a token, the token.
    """

    def __init__(self, *, optional: bool = False) -> None:
        super().__init__()
        self.optional = optional

    def __call__(self, request: HttpRequest):
        _rate_check("api_ip", client_ip(request) or "unknown")
        _body_check(request)
        header = request.headers.get("Authorization", "")
        if not header:
            if self.optional:
                return Anonymous()
            raise ApiProblem(401, _("Send a personal access token: Authorization: Bearer ss_…"), headers=CHALLENGE)
        scheme, _space, raw = header.partition(" ")
        if scheme.lower() != "bearer":
            raise ApiProblem(401, _("Send the token as Authorization: Bearer ss_…"), headers=CHALLENGE)
        return self.authenticate(request, raw.strip())

    def authenticate(self, request: HttpRequest, token: str):
        found = api_token_check(token)
        if found is None:
            raise ApiProblem(401, _("This token is unknown, revoked or expired."), headers=CHALLENGE)
        _rate_check("api_token", found.pk)
        request.user = found.user
        return found


token_auth = TokenAuth()
public_auth = TokenAuth(optional=True)
# In the schema a public read takes a token or none (an empty security requirement).
PUBLIC = {"security": [{"TokenAuth": []}, {}]}


def caller(request: HttpRequest, scope: str = ApiToken.Scope.READ):
    """The signed-in user of this call, when its token has `scope`; raises a 403 problem otherwise."""
    token = request.auth
    if not isinstance(token, ApiToken):
        raise ApiProblem(401, _("Send a personal access token: Authorization: Bearer ss_…"), headers=CHALLENGE)
    if scope not in token.scopes:
        raise ApiProblem(
            403, _("This token lacks the “%(scope)s” scope; make one with it at /me/tokens/.") % {"scope": scope}
        )
    if scope in STEP_UP_SCOPES and (refusal := step_up_token_refusal(token)):
        raise ApiProblem(403, refusal)
    return token.user


def viewer(request: HttpRequest):
    """The user behind the call of a public read, or None for a visitor."""
    token = request.auth
    return token.user if isinstance(token, ApiToken) else None


# ---- Keyset pagination ---------------------------------------------------------------------------


class Page(Schema):
    next: str | None = None


def _encode(values: list) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, dt.datetime | dt.date) else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, count: int) -> list:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError):
        values = None
    if (
        not isinstance(values, list)
        or len(values) != count
        or not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in values)
    ):
        raise ApiProblem(400, _("This cursor is not one we gave out; start again without it."))
    return values


def _after(order: Sequence[str], values: list, model) -> Q:
    """Rows after `values` in `order` (fields, "-" for descending): (a > x) or (a = x and b > y) …"""
    q = Q(pk__in=[])
    equal = Q()
    for field, value in zip(order, values, strict=True):
        name = field.lstrip("-")
        try:
            target = model._meta.pk if name == "pk" else model._meta.get_field(name)
            value = target.to_python(value)
        except FieldDoesNotExist:  # an annotation (an integer sort key): JSON gave it back as it was
            pass
        except DjangoValidationError:
            raise ApiProblem(400, _("This cursor is not one we gave out; start again without it.")) from None
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            raise ApiProblem(400, _("This cursor is not one we gave out; start again without it."))
        q |= equal & Q(**{f"{name}__{'lt' if field.startswith('-') else 'gt'}": value})
        equal &= Q(**{name: value})
    return q


def keyset(
    request: HttpRequest, qs: QuerySet, *, order: Sequence[str], cursor: str | None, limit: int
) -> tuple[list, str | None]:
    """One page of `qs` ordered by `order` (whose last field is unique), after `cursor`; and the link to
    the next page, or None on the last one. One query, whatever the page size (plus the queryset's
    prefetches, one each)."""
    qs = qs.order_by(*order)
    if cursor:
        qs = qs.filter(_after(order, _decode(cursor, len(order)), qs.model))
    rows = list(qs[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    values = [getattr(last, field.lstrip("-")) for field in order]
    params = [(key, value) for key, values in request.GET.lists() for value in values if key != "cursor"]
    params.append(("cursor", _encode(values)))
    return rows, request.build_absolute_uri(f"{request.path}?{urlencode(params)}")


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other address under /api/: a 404 problem, not the site's 404 page."""
    return problem_response(404, _("There is no such address in the API; see /api/v1/docs."))
