"""Search result cards kept by the rows they are drawn from (docs/decisions/0027).

A search page draws 24 cards. Building one (its place, fee, genres, cover, link) and drawing its
markup cost about as much as the page's query, for cards that are mostly the same from one request
to the next. `draw_cards` keeps each drawn card in a per-process memo keyed by `row_key(row)`: every
value the row was read with – its columns and annotations, the rows joined to it (select_related)
and the rows prefetched for it, each in turn by their own values – together with the card
function, its arguments, the language, the time zone and the script prefix. A change to anything
a card could show is a different key, so a card is never stale; nothing has to be invalidated.

A card function used here must draw from those and nothing else (no clock, no user, no query).
"""

import threading
from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db.models import Model, QuerySet
from django.urls import get_script_prefix
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

MEMO_SIZE = 4096
# Values that are hashable and compare by value as they come from the database.
PLAIN = frozenset({str, int, float, bool, type(None), Decimal, datetime, date, time})


def _value_key(value: Any, seen: set[int]) -> Any:
    if isinstance(value, Model):
        return _row_key(value, seen)
    if isinstance(value, list | tuple):
        return tuple(v if type(v) in PLAIN else _value_key(v, seen) for v in value)
    if isinstance(value, dict):
        return tuple((k, v if type(v) in PLAIN else _value_key(v, seen)) for k, v in value.items())
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def row_key(row: Model) -> tuple:
    """Every value `row` was read with, as a hashable tuple: equal keys mean equal data.

    Its attributes (columns, annotations, a prefetch's `to_attr` list), the rows read with it through
    select_related and the rows prefetched for it. A field file or a country kept in the row
    compares by its stored name or code. A row met again on the way (a prefetched photo pointing
    back at its band) is named by its key alone.
    """
    return _row_key(row, set())


def _row_key(row: Model, seen: set[int]) -> tuple:
    if id(row) in seen:
        return (type(row), row.pk)
    seen.add(id(row))
    attributes = row.__dict__
    values = [*attributes.values()]
    values.remove(row._state)
    prefetched = attributes.get("_prefetched_objects_cache")
    if prefetched is not None:
        values.remove(prefetched)
    if not PLAIN.issuperset(map(type, values)):
        values = [v if type(v) in PLAIN else _value_key(v, seen) for v in values]
    values.append(type(row))
    values.append(tuple(attributes))
    joined = row._state.fields_cache
    if joined:
        for name, other in joined.items():
            values.append((name, None if other is None else _row_key(other, seen)))
    if prefetched:
        for name, rows in prefetched.items():
            # A prefetch keeps a queryset whose rows are fetched already.
            found = rows._result_cache if isinstance(rows, QuerySet) and rows._result_cache is not None else rows
            values.append((name, tuple([_row_key(r, seen) for r in found])))
    return tuple(values)


class _Memo:
    """A bounded dict shared by a process's threads; when full, the oldest entries go first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: dict[tuple, tuple[Any, str]] = {}
        self.lock = threading.Lock()

    def get(self, key: tuple) -> tuple[Any, str] | None:
        return self.entries.get(key)

    def put(self, key: tuple, value: tuple[Any, str]) -> None:
        with self.lock:
            while len(self.entries) >= self.size:
                del self.entries[next(iter(self.entries))]
            self.entries[key] = value

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


_memo = _Memo(MEMO_SIZE)
clear = _memo.clear


def draw_cards(
    rows: Iterable[Model],
    card: Callable[..., Any],
    *,
    per_row: Callable[[Model], dict[str, Any]] | None = None,
    **arguments: Any,
) -> tuple[list[Any], SafeString]:
    """The cards of `rows` (`card(row, **arguments, **per_row(row))`, each with an `html` property) and
    the results list's items, `<li>` per card, drawn or taken from the memo."""
    shared = (
        card.__module__,
        card.__qualname__,
        translation.get_language(),
        timezone.get_current_timezone_name(),
        get_script_prefix(),
        tuple((name, _value_key(value, set())) for name, value in arguments.items()),
    )
    cards, items = [], []
    for row in rows:
        extra = per_row(row) if per_row is not None else {}
        key = (shared, tuple((name, _value_key(value, set())) for name, value in extra.items()), row_key(row))
        drawn = _memo.get(key)
        if drawn is None:
            made = card(row, **arguments, **extra)
            drawn = (made, made.html)
            _memo.put(key, drawn)
        cards.append(drawn[0])
        items.append(drawn[1])
    return cards, mark_safe("".join(f"<li>{html}</li>" for html in items))  # noqa: S308  (each card escapes its values)
