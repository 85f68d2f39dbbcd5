"""What a person wrote in a reply email, without the quoted message and their signature.

Mail clients quote in their own ways: Gmail and Apple Mail put "On <date>, <name> wrote:" (German
"Am <date> schrieb <name>:", which long names wrap over two lines) above lines starting with ">";
Outlook puts "-----Original Message-----" or a "From:/Sent:" ("Von:/Gesendet:") block above the old
message, unquoted; phones add "Sent from my iPhone". The new text may stand above the quote (top-posted)
or between and below quoted lines (bottom-posted): quoted lines and their header are dropped wherever
they are, and everything after an Outlook block, a signature ("-- ") or a phone's line is cut. Links to
this site are removed, so that a quoted footer cannot carry a signed link into a thread.
"""

import re
from html import unescape
from urllib.parse import urlsplit

from django.utils.html import strip_tags

from core.web.site import site_url

# "On Mon, 3 Nov 2026 at 10:00, Sam <sam@example.com> wrote:"; "Am 03.11.2026 um 10:00 schrieb Sam <…>:"
QUOTE_HEADER = re.compile(
    r"^\s*(on\b.{0,300}\bwrote\s*:|am\b.{0,300}\bschrieb\b.{0,300}:|le\b.{0,300}\ba écrit\s*:)\s*$",
    re.IGNORECASE,
)
# Lines after which nothing is the person's own text any more.
CUT_HERE = re.compile(
    r"^\s*(-{2,}\s*(original message|ursprüngliche nachricht|weitergeleitete nachricht|forwarded message)\s*-{2,}"
    r"|_{20,}"
    r"|sent from my \w+|von meinem \w+( \w+)? gesendet|gesendet von meinem \w+)\s*$",
    re.IGNORECASE,
)
OUTLOOK_FROM = re.compile(r"^\s*\*?(from|von)\s*:\*?\s+\S", re.IGNORECASE)
OUTLOOK_NEXT = re.compile(r"^\s*\*?(sent|date|gesendet|datum|to|an|subject|betreff)\s*:", re.IGNORECASE)
SIGNATURE = re.compile(r"^--\s?$")
URL = re.compile(r"https?://[^\s<>\"')\]]+", re.IGNORECASE)


def _own_links_removed(text: str) -> str:
    host = (urlsplit(site_url()).hostname or "").casefold()

    def drop(match: re.Match) -> str:
        return "" if host and (urlsplit(match.group(0)).hostname or "").casefold() == host else match.group(0)

    return URL.sub(drop, text)


def reply_text(text: str, html: str = "") -> str:
    """The person's own words in a reply (plain text; the HTML part's text when there is no plain part)."""
    if not text.strip() and html:
        html = re.sub(r"(?is)<blockquote\b.*?</blockquote>", "", html)  # the quoted message
        text = unescape(strip_tags(re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", html)))
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if CUT_HERE.match(line) or SIGNATURE.match(line):
            break
        if OUTLOOK_FROM.match(line) and any(OUTLOOK_NEXT.match(n) for n in lines[i + 1 : i + 4]):
            break
        if line.lstrip().startswith(">"):
            i += 1
            continue
        if QUOTE_HEADER.match(line):
            i += 1
            continue
        # A German or English header wrapped over two lines, quoted lines below it.
        if following and QUOTE_HEADER.match(f"{line} {following}"):
            i += 2
            continue
        kept.append(line)
        i += 1
    body = _own_links_removed("\n".join(kept))
    body = re.sub(r"\n{3,}", "\n\n", body)
    return body.strip()
