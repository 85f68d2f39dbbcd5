"""A PDF fetches nothing but our own static files: user text that looks like markup or an address (an
<img>, a <link>, CSS url(), file: and http: addresses) reaches every PDF we make – contracts, invoices,
day sheets – as text; and the fetcher, asked directly for any of those addresses, refuses them all, so a
local server sees no request and no file outside the static folders is read."""

import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.db import models
from django.urls import reverse

from documents import pdf
from documents.models import ContractTemplate, LegalDetails
from documents.services import contracts as contract_services
from documents.services import invoices as paper
from documents.tests.contract_world import contract_world
from gigs.models import DaySheet

pytestmark = pytest.mark.django_db


class _Recorder(BaseHTTPRequestHandler):
    hits: list[str]

    def do_GET(self):
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """A local web server that records every request it gets."""
    handler = type("Recorder", (_Recorder,), {"hits": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", handler.hits
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def asked(monkeypatch):
    """Every URL WeasyPrint asks the fetcher for, and whether it was given."""
    seen: list[tuple[str, bool]] = []
    real = pdf.static_file_of

    def spy(url):
        found = real(url)
        seen.append((url, found is not None))
        return found

    monkeypatch.setattr(pdf, "static_file_of", spy)
    return seen


def hostile_urls(base: str) -> list[str]:
    static_css = pdf.static_roots()[0] / "css" / "pdf.css"
    return [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        f"file://{static_css.parent}/%2e%2e/%2e%2e/etc/passwd",
        f"file://{static_css.parent}/../../.env",
        (Path(settings.BASE_DIR) / "manage.py").as_uri(),
        Path(settings.BOOKING_FILES_ROOT).as_uri() + "/x.pdf",
        f"{base}/image.png",
        f"{base}/style.css",
        "data:text/css,p{color:red}",
        "//127.0.0.1/x",
        "relative/path.png",
    ]


def payload(base: str) -> str:
    """Text a person might type into any field: markup and addresses meant to be fetched."""
    return (
        f'<img src="{base}/img"><link rel="stylesheet" href="{base}/css">'
        f"<style>@import url({base}/import); p {{ background: url(file:///etc/passwd) }}</style>"
        '<img src="file://localhost/etc/passwd"><img src="file:///static/%2e%2e/%2e%2e/.env">'
    )


# ---- The fetcher itself --------------------------------------------------------------------------


def test_the_fetcher_gives_our_static_files_and_refuses_everything_else(server):
    base, hits = server
    stylesheet = pdf.static_roots()[0] / "css" / "pdf.css"
    assert pdf.static_file_of(stylesheet.as_uri()) == stylesheet.resolve()
    fetcher = pdf.static_fetcher()
    assert fetcher.fetch(stylesheet.as_uri()).read() == stylesheet.read_bytes()
    for url in hostile_urls(base):
        assert pdf.static_file_of(url) is None, url
        with pytest.raises(pdf.PdfFetchRefused):
            fetcher.fetch(url)
    assert hits == []


def test_markup_that_names_outside_resources_renders_without_fetching_them(server, asked):
    """Even markup a template let through unescaped: WeasyPrint asks, the fetcher refuses, the PDF is made
    with the resources left out."""
    base, hits = server
    html = "<html><head>" + payload(base) + "</head><body><p>Hello</p>"
    html += "".join(f'<img src="{url}"><p style="background: url({url})">x</p>' for url in hostile_urls(base))
    html += "</body></html>"
    data = pdf.html_to_pdf(html)
    assert data.startswith(b"%PDF")
    assert hits == []
    refused = [url for url, given in asked if not given]
    assert refused and not [url for url, given in asked if given]
    assert any("etc/passwd" in url for url in refused) and any(url.startswith(base) for url in refused)


# ---- Every PDF we make, with hostile text in every field it shows -------------------------------


def _poison(instance: models.Model, text: str) -> None:
    """Every text field a person fills in (no choices, codes, addresses of mail or web), set to `text`."""
    values = {}
    for field in instance._meta.concrete_fields:
        if type(field) not in (models.CharField, models.TextField) or field.choices or field.unique:
            continue
        if field.name in ("password", "time_zone", "zone", "currency", "language", "country", "slug"):
            continue
        values[field.attname] = text[: field.max_length] if field.max_length else text
    type(instance)._base_manager.filter(pk=instance.pk).update(**values)
    instance.refresh_from_db()


def pdf_text(data: bytes) -> str:
    return subprocess.run(["/usr/bin/pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def test_every_pdf_shows_hostile_text_as_text_and_fetches_nothing(client, server, asked):
    base, hits = server
    text = payload(base)
    world = contract_world()
    LegalDetails.objects.create(band=world.band, legal_name="x", address="x")
    LegalDetails.objects.create(venue=world.venue, legal_name="x", address="x")
    LegalDetails.objects.create(user=world.client, legal_name="x", address="x")
    ContractTemplate.objects.create(band=world.band, clauses="x", additions="x")
    for instance in (
        world.band,
        world.venue,
        world.client,
        world.gig,
        world.private,
        world.gig.slot,
        world.gig.slot.stage,
        *LegalDetails.objects.all(),
        *ContractTemplate.objects.all(),
    ):
        _poison(instance, text)

    made = {
        "contract": bytes(contract_services.contract_draw(booking=world.private, by=world.leader).draft.data),
        "venue contract": bytes(contract_services.contract_draw(booking=world.gig, by=world.leader).draft.data),
        "invoice": bytes(paper.invoice_pdf(invoice=paper.invoice_issue(booking=world.private)).data),
    }
    client.force_login(world.leader)
    client.get(reverse("documents:day_sheet", args=[world.gig.uid]))
    for sheet in DaySheet.objects.all():
        _poison(sheet, text)
    response = client.get(reverse("documents:day_sheet_pdf", args=[world.gig.uid]))
    assert response.status_code == 200
    made["day sheet"] = b"".join(response.streaming_content) if response.streaming else response.content

    for name, data in made.items():
        shown = " ".join(pdf_text(data).split())
        assert "<img src=" in shown, name  # the text as typed, not an image
    assert hits == []
    assert asked == []  # no page asked for anything: user text never became markup
