"""Turn a share link someone pasted into a player we are willing to embed.

Only four providers, and we build the player address ourselves from the IDs in
the link: nothing the user typed is put into the page as HTML or as an iframe
address verbatim.
"""

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import EmbedProvider

UNKNOWN_HOST = ValidationError(
    gettext_lazy(
        "We can embed music and video from Spotify, SoundCloud, Bandcamp and YouTube. "
        "Paste a share link from one of them."
    ),
    code="unknown_host",
)


@dataclass(frozen=True)
class Embed:
    provider: str
    source_url: str
    embed_url: str
    # Height of the player in pixels: video is 16:9 and sized by CSS instead.
    height: int | None


_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_SPOTIFY_PATH = re.compile(r"^/(?:intl-[a-z-]+/)?(track|album|playlist|artist|episode|show)/([A-Za-z0-9]{22})/?$")
_BANDCAMP_PLAYER = re.compile(r"/EmbeddedPlayer/(?:[^\"'\s]*/)?(album|track)=(\d+)")
_SOUNDCLOUD_PATH = re.compile(r"^/[A-Za-z0-9_-]+(?:/(?:sets/)?[A-Za-z0-9_-]+)?/?$")


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def embed_from_url(raw: str) -> Embed:
    """Parse a pasted share link (or Bandcamp embed code). Raises ValidationError with a message."""
    text = raw.strip()
    if "bandcamp.com" in text and "EmbeddedPlayer" in text:
        return _bandcamp(text)
    try:
        # An unclosed "[" (an IPv6 address to the parser) or a port that is no number raise ValueError.
        parts = urlsplit(text)
        parts.port  # noqa: B018
    except ValueError:
        raise ValidationError(
            _("That is not a link we can read. Paste the share link again."), code="bad_link"
        ) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValidationError(_("Paste a full link starting with https://"), code="bad_scheme")
    host = parts.hostname.lower()
    if host in ("youtu.be",) or host == "youtube.com" or host.endswith(".youtube.com"):
        return _youtube(text, host, parts)
    if host == "open.spotify.com":
        match = _SPOTIFY_PATH.match(parts.path)
        if not match:
            raise ValidationError(
                _("That Spotify link does not point to a track, album, playlist or artist."), code="bad_link"
            )
        kind, ident = match.groups()
        return Embed(EmbedProvider.SPOTIFY, text, f"https://open.spotify.com/embed/{kind}/{ident}", 152)
    if host in ("soundcloud.com", "www.soundcloud.com", "m.soundcloud.com"):
        if not _SOUNDCLOUD_PATH.match(parts.path) or parts.path.strip("/") == "":
            raise ValidationError(
                _("That SoundCloud link does not point to a track, playlist or artist."), code="bad_link"
            )
        clean = f"https://soundcloud.com{parts.path.rstrip('/')}"
        player = f"https://w.soundcloud.com/player/?url={quote(clean, safe='')}&color=%232b2f77&visual=false"
        return Embed(EmbedProvider.SOUNDCLOUD, clean, player, 166)
    if host == "bandcamp.com" or host.endswith(".bandcamp.com"):
        raise ValidationError(
            _(
                "Bandcamp needs its embed code: on the album page choose Share / Embed → Embed this album, "
                "copy the code and paste it here."
            ),
            code="bandcamp_needs_embed",
        )
    raise UNKNOWN_HOST


def _youtube(text: str, host: str, parts) -> Embed:
    ident = ""
    if host == "youtu.be":
        ident = parts.path.strip("/")
    elif parts.path == "/watch":
        ident = (parse_qs(parts.query).get("v") or [""])[0]
    elif parts.path.startswith(("/shorts/", "/embed/", "/live/")):
        ident = parts.path.split("/")[2] if len(parts.path.split("/")) > 2 else ""
    if not _YOUTUBE_ID.match(ident):
        raise ValidationError(_("That YouTube link does not point to a video."), code="bad_link")
    return Embed(EmbedProvider.YOUTUBE, text, f"https://www.youtube-nocookie.com/embed/{ident}", None)


def _bandcamp(text: str) -> Embed:
    match = _BANDCAMP_PLAYER.search(text)
    src_host = re.search(r"https://([a-z0-9.-]*bandcamp\.com)/EmbeddedPlayer", text)
    if not match or not src_host or _host("https://" + src_host.group(1)) != "bandcamp.com":
        raise ValidationError(_("That Bandcamp embed code is not one we recognise."), code="bad_link")
    kind, ident = match.groups()
    # The embed code links the album's own page: the better address to open when the player cannot load.
    page = re.search(r'href="(https://[a-z0-9-]+\.bandcamp\.com/(?:album|track)/[A-Za-z0-9_-]+)"', text)
    player = f"https://bandcamp.com/EmbeddedPlayer/{kind}={ident}/size=large/bgcol=ffffff/linkcol=2b2f77/tracklist=false/artwork=small/transparent=true/"
    source = page.group(1) if page else f"https://bandcamp.com/EmbeddedPlayer/{kind}={ident}/"
    return Embed(EmbedProvider.BANDCAMP, source, player, 120)
