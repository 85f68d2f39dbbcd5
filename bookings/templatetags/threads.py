"""Template filters of the booking threads."""

import re
from urllib.parse import urlsplit

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# http(s) only; a link ends at whitespace, a quote, a backtick or an angle bracket.
URL = re.compile(r"""\bhttps?://[^\s<>"'`]+""", re.IGNORECASE)
# Punctuation after a link belongs to the sentence, unless it closes a bracket the link opened.
TRAILING = ".,;:!?)]}*"
PAIRS = {")": "(", "]": "[", "}": "{"}


def _trim(url: str) -> str:
    """The link without the punctuation that follows it."""
    end = len(url)
    while end and url[end - 1] in TRAILING:
        char = url[end - 1]
        if char in PAIRS and url.count(PAIRS[char], 0, end) >= url.count(char, 0, end):
            break
        end -= 1
    return url[:end]


def _has_host(url: str) -> bool:
    try:
        return bool(urlsplit(url).hostname)
    except ValueError:
        return False


def _text(text: str) -> str:
    return escape(text).replace("\n", "<br>")


def _link(url: str) -> str:
    href = escape(url)
    return f'<a href="{href}" rel="nofollow noopener noreferrer" target="_blank">{href}</a>'


@register.filter
def linkify(value: object) -> SafeString:
    """Plain text as HTML: everything escaped (even text already marked safe), line breaks kept, and
    http(s) addresses as links that open in a new tab and pass no referrer. Nothing else becomes markup."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    parts = []
    start = 0
    for match in URL.finditer(text):
        url = _trim(match.group())
        if not _has_host(url):
            continue
        parts.append(_text(text[start : match.start()]))
        parts.append(_link(url))
        start = match.start() + len(url)
    parts.append(_text(text[start:]))
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above
