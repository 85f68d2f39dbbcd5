"""The band's colours in its website widget: hex colours checked, and the text drawn on each chosen by
luminance so that it stays readable (WCAG 2.2 relative luminance and contrast ratio). No Django."""

import re
from dataclasses import dataclass

HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
# Our palette (static/css/stageslot.css): the brand's ink blue for the button, white paper behind it.
DEFAULT_ACCENT = "#2b2f77"
DEFAULT_BACKGROUND = "#ffffff"
# The dark theme's own surface; the band's accent stays.
DARK_BACKGROUND = "#14162e"
# Pure black and white: on any colour the better of the two reads at 4.58:1 at least (WCAG AA: 4.5).
BLACK, WHITE = "#000000", "#ffffff"
# What WCAG AA asks of normal text.
READABLE = 4.5


def is_hex(value: str) -> bool:
    return bool(HEX.match(value or ""))


def hex_or(value: str | None, default: str) -> str:
    """`value` as a lower-case "#rrggbb" when it is one, else `default`."""
    return value.lower() if value and is_hex(value) else default


def luminance(colour: str) -> float:
    """The relative luminance of "#rrggbb", 0 (black) to 1 (white)."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """The contrast ratio of two colours, 1 to 21."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_on(background: str) -> str:
    """Black or white, whichever reads better on `background`."""
    return BLACK if contrast(BLACK, background) >= contrast(WHITE, background) else WHITE


@dataclass(frozen=True)
class Palette:
    """The colours a widget is drawn in: CSS custom properties on its root."""

    background: str
    text: str
    accent: str  # the Book button
    accent_text: str
    link: str  # the accent where it reads on the background, else the text colour

    def css(self) -> str:
        return (
            f":root{{--embed-bg:{self.background};--embed-text:{self.text};--embed-accent:{self.accent};"
            f"--embed-accent-text:{self.accent_text};--embed-link:{self.link}}}"
        )


def palette(*, accent: str | None, background: str | None, dark: bool) -> Palette:
    """The widget's palette from the band's colours (ours where they are missing or not colours); the
    dark theme draws on its own dark surface with the band's accent."""
    accent = hex_or(accent, DEFAULT_ACCENT)
    background = DARK_BACKGROUND if dark else hex_or(background, DEFAULT_BACKGROUND)
    text = text_on(background)
    link = accent if contrast(accent, background) >= READABLE else text
    return Palette(background=background, text=text, accent=accent, accent_text=text_on(accent), link=link)
