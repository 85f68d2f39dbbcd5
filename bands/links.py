"""Website and social links: http(s) only, and each social link on its own site."""

from collections.abc import Callable
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

# (model field, label shown on pages), in display order.
LINK_FIELDS = [
    ("website", "Website"),
    ("instagram", "Instagram"),
    ("facebook", "Facebook"),
    ("tiktok", "TikTok"),
    ("youtube", "YouTube"),
    ("spotify", "Spotify"),
    ("bandcamp", "Bandcamp"),
    ("soundcloud", "SoundCloud"),
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


def _host_matches(host: str, domains: list[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def check_link(kind: str, url: str) -> None:
    """Raise ValidationError unless `url` is an http(s) address fit for the `kind` field."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValidationError("Enter a full web address starting with https://", code="bad_scheme")
    domains = ALLOWED_HOSTS.get(kind)
    if domains and not _host_matches(parts.hostname.lower(), domains):
        label = dict(LINK_FIELDS)[kind]
        article = "an" if label[0] in "AEIOU" else "a"
        raise ValidationError(
            "This does not look like %(article)s %(label)s link; it should be on %(domain)s.",
            code="wrong_site",
            params={"article": article, "label": label, "domain": domains[0]},
        )


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
