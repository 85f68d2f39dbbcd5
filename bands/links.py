"""Website and social links of bands and venues (and a slot's ticket link): real web addresses.

A link is http or https, on a public site name (example.com, not localhost, an IP address or a name
only a home network knows), with no spaces, quotes or angle brackets in it, and each social link is
on its own site. What people paste without a scheme (example.com/band, www.instagram.com/x) gets
https://. Nothing here raises anything but ValidationError, whatever the text: the address parser
raises ValueError on some of it (an unclosed "[" reads as the start of an IPv6 address).
"""

import ipaddress
import re
from collections.abc import Callable
from urllib.parse import SplitResult, urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# (model field, label shown on pages), in display order.
LINK_FIELDS = [
    ("website", _("Website")),
    ("instagram", _("Instagram")),
    ("facebook", _("Facebook")),
    ("tiktok", _("TikTok")),
    ("youtube", _("YouTube")),
    ("spotify", _("Spotify")),
    ("bandcamp", _("Bandcamp")),
    ("soundcloud", _("SoundCloud")),
]

ALLOWED_HOSTS = {
    "instagram": ["instagram.com"],
    "facebook": ["facebook.com", "fb.com"],
    "tiktok": ["tiktok.com"],
    "youtube": ["youtube.com", "youtu.be"],
    "spotify": ["spotify.com"],
    "bandcamp": ["bandcamp.com"],
    "soundcloud": ["soundcloud.com"],
}

MAX_LENGTH = 300
BAD_SCHEME = _("Enter a full web address starting with https://")
NOT_AN_ADDRESS = _("This is not a web address. Copy it from the browser's address bar, e.g. https://example.com/band")

# Never part of an address as a browser copies it (it writes them as %20, %22, %3C …).
_NOT_IN_ADDRESS = re.compile(r"[\s\"'<>\\`\x00-\x1f\x7f]")
# "https://…", "HTTP://…", or another scheme written out ("javascript:", "mailto:"); a host with a
# port ("example.com:8080/x") is not a scheme.
_WITH_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_OTHER_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:(?!\d)", re.IGNORECASE)
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_TOP_LEVEL = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
# Names that only the machine or its own network knows.
_LOCAL_NAMES = ("localhost", "local", "internal", "lan", "home", "intranet", "corp", "home.arpa")


def _error(message: str, code: str, **params: str) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


def _host_matches(host: str, domains: list[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def _split(text: str) -> SplitResult:
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number from 0 to 65535
    except ValueError:
        raise _error(NOT_AN_ADDRESS, "invalid") from None
    return parts


def _check_host(parts: SplitResult) -> str:
    """The host name in ASCII (punycode), or ValidationError when it is not a public site's name."""
    if parts.username is not None or parts.password is not None:
        raise _error(
            gettext("Leave out the name and password before “@”: enter the site's own address."), "credentials"
        )
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise _error(
            gettext("This address has no site in it. Enter it whole, e.g. https://example.com/band"), "no_host"
        )
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        raise _error(gettext("Enter the site's name, not its IP address, e.g. https://example.com"), "ip_address")
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise _error(NOT_AN_ADDRESS, "invalid") from None
    labels = ascii_host.split(".")
    if ascii_host in _LOCAL_NAMES or any(ascii_host.endswith("." + name) for name in _LOCAL_NAMES):
        raise _error(
            gettext("This address only works on your own computer or network; enter the site's public address."),
            "local_host",
        )
    if len(labels) < 2 or len(ascii_host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise _error(NOT_AN_ADDRESS, "invalid")
    if not _TOP_LEVEL.match(labels[-1]):
        raise _error(NOT_AN_ADDRESS, "invalid")
    return ascii_host


def _checked(kind: str, text: str) -> str:
    """`text` (with its scheme) checked, returned with the scheme and site name in lower case."""
    if _NOT_IN_ADDRESS.search(text):
        raise _error(
            gettext(
                "A web address has no spaces, quotes or angle brackets in it. Copy it from the browser's address bar."
            ),
            "bad_character",
        )
    parts = _split(text)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not text[len(parts.scheme) :].startswith("://"):
        raise _error(BAD_SCHEME, "bad_scheme")
    host = _check_host(parts)
    domains = ALLOWED_HOSTS.get(kind)
    if domains and not _host_matches(host, domains):
        label = dict(LINK_FIELDS)[kind]
        if str(label)[0] in "AEIOU":
            message = gettext("This does not look like an %(label)s link; it should be on %(domain)s.")
        else:
            message = gettext("This does not look like a %(label)s link; it should be on %(domain)s.")
        raise _error(message, "wrong_site", label=label, domain=domains[0])
    netloc = parts.netloc.lower()
    return parts._replace(scheme=scheme, netloc=netloc).geturl()


def check_link(kind: str, url: str) -> None:
    """Raise ValidationError unless `url` is a whole http(s) address fit for the `kind` field."""
    _checked(kind, url.strip())


def link_clean(kind: str, raw: str) -> str:
    """What someone typed or pasted into a `kind` link field, as it is stored: https:// added where
    there was no scheme. Raises ValidationError with a message for them."""
    text = raw.strip()
    if text.startswith("//"):
        text = "https:" + text
    elif not _WITH_SCHEME.match(text):
        if _OTHER_SCHEME.match(text):
            raise _error(BAD_SCHEME, "bad_scheme")
        text = "https://" + text
    address = _checked(kind, text)
    if len(address) > MAX_LENGTH:
        raise _error(
            gettext("A link can be at most %(limit)s characters long; this one has %(length)s."),
            "too_long",
            limit=str(MAX_LENGTH),
            length=str(len(address)),
        )
    return address


class LinkField(forms.CharField):
    """A link field of a form: what was pasted, cleaned by link_clean (its messages next to the field)."""

    def __init__(self, *, kind: str, placeholder: str = "https://", **kwargs) -> None:
        self.kind = kind
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 2000)  # the stored length is checked once https:// is added
        # Not type="url": a browser would refuse "example.com/band" before we could take it.
        attrs = {"placeholder": placeholder, "inputmode": "url", "spellcheck": "false", "autocomplete": "url"}
        kwargs.setdefault("widget", forms.TextInput(attrs=attrs))
        super().__init__(**kwargs)

    def to_python(self, value: object) -> str:
        text = super().to_python(value)
        return link_clean(self.kind, text) if text else ""


def validate_link(kind: str) -> Callable[[str], None]:
    """A model field validator for one kind of link (deconstructible for migrations)."""
    return LinkValidator(kind)


class LinkValidator:
    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __call__(self, value: str) -> None:
        if value:
            check_link(self.kind, value)

    def deconstruct(self) -> tuple[str, tuple, dict]:
        return ("bands.links.LinkValidator", (self.kind,), {})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LinkValidator) and other.kind == self.kind

    def __hash__(self) -> int:
        return hash(self.kind)
