"""The widget's colours: only "#rrggbb" is a colour, and the text on each is the one that reads."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from embeds.colours import (
    BLACK,
    DARK_BACKGROUND,
    DEFAULT_ACCENT,
    DEFAULT_BACKGROUND,
    WHITE,
    contrast,
    hex_or,
    is_hex,
    luminance,
    palette,
    text_on,
)


@pytest.mark.parametrize("value", ["#000000", "#ffffff", "#FF8800", "#2b2f77"])
def test_colours(value):
    assert is_hex(value)


@pytest.mark.parametrize("value", ["", "red", "#fff", "#12345", "#1234567", "#gggggg", "#123456;}", " #123456", None])
def test_not_colours(value):
    assert not is_hex(value)
    assert hex_or(value, "#abcdef") == "#abcdef"


def test_luminance_and_contrast_match_wcag():
    assert luminance("#000000") == 0 and luminance("#ffffff") == 1
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48  # the classic just-below-AA grey


@pytest.mark.parametrize(
    ("background", "text"),
    [("#ffffff", BLACK), ("#000000", WHITE), ("#ffcc00", BLACK), ("#2b2f77", WHITE), ("#ff0000", BLACK)],
)
def test_text_is_black_or_white_whichever_reads(background, text):
    assert text_on(background) == text


@given(st.from_regex(r"#[0-9a-f]{6}", fullmatch=True))
def test_the_chosen_text_always_reads(colour):
    # Black or white on any colour reaches at least 4.5:1 (the worse of the two is never chosen).
    assert contrast(text_on(colour), colour) >= 4.5


@given(st.from_regex(r"#[0-9a-f]{6}", fullmatch=True), st.from_regex(r"#[0-9a-f]{6}", fullmatch=True), st.booleans())
def test_every_pair_in_a_palette_reads(accent, background, dark):
    p = palette(accent=accent, background=background, dark=dark)
    assert contrast(p.text, p.background) >= 4.5
    assert contrast(p.accent_text, p.accent) >= 4.5
    assert contrast(p.link, p.background) >= 4.5


def test_the_dark_theme_keeps_the_accent_on_its_own_background():
    p = palette(accent="#ff8800", background="#ffffff", dark=True)
    assert p.background == DARK_BACKGROUND and p.accent == "#ff8800" and p.text == WHITE


def test_missing_or_bad_colours_fall_back_to_ours():
    p = palette(accent="javascript:", background="", dark=False)
    assert (p.accent, p.background) == (DEFAULT_ACCENT, DEFAULT_BACKGROUND)
    assert "}" not in palette(accent="#123456;}body{", background=None, dark=False).accent
