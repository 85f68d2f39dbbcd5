"""Change stamps: what lets a poll answer "nothing changed" without the database.

Every open tab polls (the bell, a booking's messages, a booking's status). A stamp is a random word
kept in the "stamps" cache under the name of the thing polled ("bell:<user id>"); the service that
changes the thing draws a new word as it writes and again after its transaction commits (stamp_bump), and the poll sends
back the word its last answer carried. The same word again means nothing changed since: the view
answers 204 without a query. Any other word, or no word in the cache (a cold or evicted cache),
takes the usual path, which reads the stamp *before* the data, so a change committed meanwhile
leaves a word the page has not seen and the next poll fetches it.

The word is random, never a count or a time: a stranger who guesses the name of another person's
thing cannot guess its word, so the stamp path tells them nothing the usual path would refuse.
"""

import hmac
import secrets
from collections.abc import Iterable

from django.core.cache import caches
from django.db import transaction

CACHE = "stamps"


def _cache():
    return caches[CACHE]


def stamp_seen(key: str, seen: str) -> bool:
    """Whether `seen` is the thing's current word: the poll may answer "nothing changed". One cache
    read, no query; False when the cache holds no word."""
    if not seen:
        return False
    current = _cache().get(key)
    return current is not None and hmac.compare_digest(current, seen)


def _draw(tag: str) -> str:
    word = secrets.token_urlsafe(12)
    return f"{tag}.{word}" if tag else word


def stamp_current(key: str, *, tag: str = "") -> str:
    """The thing's word, drawn now (beginning with `tag` and a dot) when the cache holds none. Call it
    before reading the data the answer shows, so that a change committed after the read moves the
    word on; or tag the words with a version the data carries (stamp_bump_tagged) and hand out the
    word only when its tag is the version read."""
    cache = _cache()
    word = cache.get(key)
    if word is None:
        cache.add(key, _draw(tag))
        word = cache.get(key) or ""
    return word


def stamp_bump_tagged(tags: dict[str, str]) -> None:
    """A new word for each key, beginning with its tag and a dot (a booking's sequence), now and
    again once the caller's transaction commits: a poll that read the data between the two (before
    the commit) holds a word that is then gone, and asks again. A rolled-back change costs one
    needless fetch, never a missed one."""
    if not tags:
        return

    def draw() -> None:
        _cache().set_many({key: _draw(tag) for key, tag in tags.items()})

    draw()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(draw)


def stamp_bump(*keys: str | Iterable[str]) -> None:
    """A new word for each key (stamp_bump_tagged without tags)."""
    stamp_bump_tagged({k: "" for key in keys for k in ([key] if isinstance(key, str) else key)})


def bell_stamp_key(user_id: int) -> str:
    return f"bell:{user_id}"
