"""A list stays a list: a `<ul>` or `<ol>` given another role (a live status, an alert) stops being a
list for a screen reader, and its items are then announced as items of nothing (axe-core's "listitem",
serious). The status or alert goes on a box around the list. This scans every template, so the next
flash list written that way fails here rather than for a person with a screen reader."""

import re
from pathlib import Path

from django.conf import settings

LIST_WITH_ROLE = re.compile(r"<(ul|ol)\b[^>]*\brole=\"([^\"]+)\"", re.S)
# Roles that keep items inside them (a widget's options), each with its own item role in the template.
KEEPS_ITEMS = {"list", "listbox", "menu", "menubar", "tablist", "tree", "group", "radiogroup", "presentation", "none"}


def test_no_list_is_given_a_role_that_orphans_its_items():
    problems = []
    templates = Path(settings.BASE_DIR) / "templates"
    for template in templates.rglob("*.html"):
        for tag, role in LIST_WITH_ROLE.findall(template.read_text(encoding="utf-8")):
            if role not in KEEPS_ITEMS:
                problems.append(f'{template.relative_to(templates)}: <{tag} role="{role}">')
    assert not problems, "lists whose role hides their items (put the role on a box around the list):\n" + "\n".join(
        problems
    )
