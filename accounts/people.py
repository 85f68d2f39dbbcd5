"""People named by reference in text that others keep (docs/decisions/0097).

A notification to someone else ("Mara countered the terms…") or a line of a booking's history ("a stand-in is
planned: Mara is busy…") keeps a *reference* to Mara, not her name: the text holds `person_ref(mara)`, and
whoever draws it (`people_draw`, `people_drawn`) puts in the name the person has now – "Former member" once
erased. So an erasure changes the person, never other people's words, and a renamed person reads renamed.

`User.name` is a `PersonName`: a plain string that remembers whose name it is. A sentence put together for a
notification (accounts.services.lazy_text, while `references_kept()` is on) stores the reference instead.
"""

import contextlib
import contextvars
import re
from collections.abc import Iterable, Iterator

from django.contrib.auth import get_user_model

# Private-use characters around a person's id: no one types them, and a value that holds them is cleaned.
REF_OPEN = "\ue000"
REF_CLOSE = "\ue001"
_REF = re.compile(f"{REF_OPEN}(\\d+){REF_CLOSE}")
_MARKS = re.compile(f"[{REF_OPEN}{REF_CLOSE}]")

_keeping = contextvars.ContextVar("stageslot_people_references_kept", default=False)


class PersonName(str):
    """A person's name as drawn now, remembering whose it is (`user_id`)."""

    user_id: int | None

    def __new__(cls, value: str, user_id: int | None = None) -> "PersonName":
        name = super().__new__(cls, value)
        name.user_id = user_id
        return name

    def __getnewargs__(self) -> tuple[str, int | None]:  # type: ignore[override]
        return (str(self), self.user_id)


def person_ref(person) -> str:
    """The reference to a person (a User, a PersonName or an id) that text others keep holds."""
    user_id = getattr(person, "user_id", None) if isinstance(person, PersonName) else getattr(person, "pk", person)
    return f"{REF_OPEN}{int(user_id)}{REF_CLOSE}"


@contextlib.contextmanager
def references_kept() -> Iterator[None]:
    """While on, `as_kept` turns a PersonName into a reference (a text being written to be kept)."""
    token = _keeping.set(True)
    try:
        yield
    finally:
        _keeping.reset(token)


def as_kept(value):
    """A value to put into a text that is kept: a person's name becomes a reference while references are kept;
    any other string (what someone typed: it was put together before, so it holds no reference of ours) loses
    the marks, so nobody can make a reference by typing one."""
    if not _keeping.get():
        return value
    if isinstance(value, PersonName) and value.user_id is not None:
        return person_ref(value)
    if isinstance(value, str):
        return marks_removed(value)
    return value


def marks_removed(text: str) -> str:
    """What a person typed, without reference marks (so nobody can forge a reference by typing one)."""
    return _MARKS.sub("", text)


def people_named(text: str) -> set[int]:
    """The ids of the people a kept text refers to."""
    return {int(found) for found in _REF.findall(text or "")}


def _names(ids: set[int]) -> dict[int, str]:
    # The user model by name: accounts.models imports this module (User.name is a PersonName).
    if not ids:
        return {}
    users = get_user_model().objects.filter(pk__in=ids).only("display_name", "email")
    return {user.pk: str(user.name) for user in users}


def people_draw(text: str, names: dict[int, str] | None = None) -> str:
    """The text with each reference drawn as the person's name now ("Former member" once erased)."""
    if not text or REF_OPEN not in text:
        return text
    if names is None:
        names = _names(people_named(text))
    return _REF.sub(lambda m: names.get(int(m.group(1)), _former()), text)


def people_drawn(rows: Iterable, *fields: str) -> list:
    """Draw the references in these fields of these rows (in memory, never saved): one query for all."""
    rows = list(rows)
    ids: set[int] = set()
    for row in rows:
        for name in fields:
            ids |= people_named(getattr(row, name) or "")
    names = _names(ids)
    for row in rows:
        for name in fields:
            value = getattr(row, name)
            if value and REF_OPEN in value:
                setattr(row, name, people_draw(value, names))
    return rows


def _former() -> str:
    from django.utils.translation import gettext

    return gettext("Former member")
