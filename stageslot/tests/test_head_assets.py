"""Every page's <head>: the site's stylesheets and scripts, each a file that exists, in a fixed order."""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from stageslot.templatetags.nav import HEAD_SCRIPTS, HEAD_STYLESHEETS, ICON


def test_every_head_asset_is_a_static_file():
    for name in (*HEAD_STYLESHEETS, *HEAD_SCRIPTS, ICON):
        assert finders.find(name), name
    ours = {
        p.relative_to(Path(settings.BASE_DIR) / "static").as_posix()
        for p in (Path(settings.BASE_DIR) / "static" / "css").glob("*.css")
    }
    # The PDFs' own stylesheet, read by WeasyPrint (documents/pdf.py), never by a page.
    ours.discard("css/pdf.css")
    # The stage's set list in large type: its own page (gigs/set_lists/print.html) loads it alone.
    ours.discard("css/set-list-print.css")
    # The door's guest list, printed: its own page (documents/guestlists/print.html) loads it alone.
    ours.discard("css/guest-list-print.css")
    # The band's website widget: a page of its own, framed on other sites (embeds/band.html).
    ours.discard("css/embed.css")
    assert ours <= set(HEAD_STYLESHEETS), "a stylesheet in static/css that no page loads"


@pytest.mark.django_db
def test_a_page_head_loads_them_in_order(client):
    html = client.get(reverse("bands:search")).content.decode()
    head = html[: html.index("</head>")]
    positions = [head.index(f'href="{settings.STATIC_URL}{name}"') for name in HEAD_STYLESHEETS]
    assert positions == sorted(positions)
    for name in HEAD_SCRIPTS:
        assert f'<script src="{settings.STATIC_URL}{name}" defer></script>' in head
    assert f'<img src="{settings.STATIC_URL}{ICON}" alt=""' in html
