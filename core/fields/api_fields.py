"""The API's bounded body fields, as core.fields.form_fields bounds the forms' and core.fields.dates.ApiDate the API's
dates (docs/decisions/0104-api-bodies-bounded.md): every whole number of a request body has both ends, every
text a maximum length and says whether it is one line. bookings/tests/test_api_bodies.py finds every field of
every operation's body in the API's schema and fails on one without them.

    fee: ApiInt(le=MAX_FEE)            a whole number, 0 to INTEGER_MAX unless said
    slot_id: ApiId                     a row's id: 1 to the largest id a column holds
    title: ApiLine(120)                one line: no line break, tab or direction override
    message: ApiText(2000)             several lines
"""

from typing import Annotated, Any

from django.core.exceptions import ValidationError
from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from core.fields.form_fields import INTEGER_MAX, refuse_line_breaks

# The schema's marks of a text's kind, which the body test looks for (a bare `str` has neither).
ONE_LINE_MARK = "x-one-line"
MULTI_LINE_MARK = "x-multi-line"
# The largest id a row has (a BigAutoField).
ID_MAX = 2**63 - 1


def ApiInt(ge: int = 0, le: int = INTEGER_MAX) -> Any:
    """A whole number from `ge` to `le` (by default a 4-byte column's range without negatives)."""
    if not -INTEGER_MAX - 1 <= ge <= le <= INTEGER_MAX:
        raise ValueError("An API integer is bounded within a 4-byte column's range.")
    return Annotated[int, Field(ge=ge, le=le)]


ApiId = Annotated[int, Field(ge=1, le=ID_MAX)]


def _one_line(value: str) -> str:
    try:
        refuse_line_breaks(value)
    except ValidationError as exc:
        raise PydanticCustomError("one_line", exc.messages[0]) from None
    return value


def ApiLine(max_length: int, *, min_length: int = 0) -> Any:
    """A text on one line of at most `max_length` characters (controls are refused by core.web.json_body)."""
    return Annotated[
        str,
        AfterValidator(_one_line),
        Field(min_length=min_length, max_length=max_length, json_schema_extra={ONE_LINE_MARK: True}),
    ]


def ApiText(max_length: int) -> Any:
    """A text of several lines of at most `max_length` characters."""
    return Annotated[str, Field(max_length=max_length, json_schema_extra={MULTI_LINE_MARK: True})]
