"""A box that scrolls sideways on a phone is reachable by keyboard: whatever our style sheets let scroll
(`overflow-x: auto` or `scroll`) is, wherever a template draws it, a named region that takes focus
(`tabindex="0"`, `role="region"` and a label), so a person without a mouse or a touch screen can move
it with the arrow keys and a screen reader says what it holds. A new table wrapper without them fails
here, before a phone user finds the columns they cannot reach."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
SCROLLS = re.compile(r"overflow(?:-x)?\s*:\s*(?:auto|scroll)")
# Scrollers whose every item is itself a link or button: Tab reaches each one and the browser scrolls it
# into view, so the box needs no focus of its own.
EVERY_ITEM_FOCUSABLE = {".mainnav"}
TAG = re.compile(r"<(?:div|section|figure|nav)\b[^>]*>", re.S)


def scrolling_selectors() -> set[str]:
    """Each plain `.class` or `#id` our style sheets let scroll sideways."""
    found = set()
    for sheet in (ROOT / "static" / "css").glob("*.css"):
        text = re.sub(r"/\*.*?\*/", "", sheet.read_text(encoding="utf-8"), flags=re.S)
        text = re.sub(r"@media[^{]*\{", "", text)
        for selectors, body in RULE.findall(text):
            if not SCROLLS.search(body):
                continue
            for selector in selectors.split(","):
                selector = selector.strip()
                if re.fullmatch(r"[.#][\w-]+", selector):
                    found.add(selector)
    return found - EVERY_ITEM_FOCUSABLE


def drawn_by(selector: str, tag: str) -> bool:
    name = re.escape(selector[1:])
    if selector.startswith("#"):
        return re.search(rf'\bid="{name}"', tag) is not None
    classes = re.search(r'\bclass="([^"]*)"', tag)
    return classes is not None and re.search(rf"(?:^|\s){name}(?:\s|$)", classes.group(1)) is not None


def test_our_style_sheets_have_sideways_scrollers_to_check():
    assert {".holds-scroll", ".table-wrap", ".wii-scroll"} <= scrolling_selectors()


def test_every_box_that_scrolls_sideways_is_a_named_region_that_takes_focus():
    selectors = scrolling_selectors()
    problems, seen = [], set()
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for tag in TAG.findall(text):
            # The month grid's wrapper carries the class its caller names.
            drawn = {s for s in selectors if drawn_by(s, tag)}
            if 'class="{{ wrap_class }}"' in tag:
                drawn.add("wrap_class")
            if not drawn:
                continue
            seen |= drawn
            missing = [
                what
                for what, present in (
                    ('tabindex="0"', 'tabindex="0"' in tag),
                    ('role="region"', 'role="region"' in tag),
                    ("aria-label or aria-labelledby", re.search(r"\baria-label(?:ledby)?=\"[^\"]+\"", tag)),
                )
                if not present
            ]
            if missing:
                where = template.relative_to(ROOT)
                problems.append(f"{where}: {' '.join(sorted(drawn))} lacks {', '.join(missing)}")
    assert seen, "no template draws a sideways scroller"
    assert not problems, "boxes that scroll sideways but the keyboard cannot reach:\n" + "\n".join(problems)
