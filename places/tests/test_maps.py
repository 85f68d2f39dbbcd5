"""places.maps (the data a map beside a list shows) and the map template tags."""

import json
import re
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.test import override_settings

from places.maps import Marker, point_of, results_map


def marker_of(row) -> Marker | None:
    point = point_of(row)
    if point is None:
        return None
    return Marker(lat=point[0], lon=point[1], title=row.name, url=f"/x/{row.name}/", kind="venue", line="")


def row(name: str, lat: float | None, lon: float | None) -> SimpleNamespace:
    return SimpleNamespace(name=name, latitude=lat, longitude=lon)


def test_every_row_with_a_point_becomes_a_marker_in_the_list_order():
    rows = [row("A", 52.524374, 13.410534), row("B", None, None), row("C", 48.13743, 11.57549), row("D", 1.0, None)]
    data = results_map(rows, marker_of, thing="venue", things="venues")
    assert [m["title"] for m in data["markers"]] == ["A", "C"]
    assert data["markers"][0] == {
        "lat": 52.52437,
        "lon": 13.41053,
        "title": "A",
        "url": "/x/A/",
        "kind": "venue",
        "line": "",
    }
    assert data["missing"] == 2
    assert data["note"] == "2 venues on this page have no place on the map."


def test_the_note_says_when_the_map_shows_one_page_of_a_longer_list():
    one_missing = results_map([row("A", 1, 2), row("B", None, None)], marker_of, thing="slot", things="slots", total=40)
    assert one_missing["note"] == "The map shows this page’s slots. 1 slot on this page has no place on the map."
    assert results_map([row("A", 1, 2)], marker_of, thing="slot", things="slots", total=1)["note"] == ""
    assert results_map([], marker_of, thing="slot", things="slots")["markers"] == []


def test_a_point_on_the_equator_or_the_meridian_is_a_point():
    assert point_of(row("Null Island", 0.0, 0.0)) == (0.0, 0.0)


@override_settings(
    MAP_TILE_URL="https://tiles.example.org/{z}/{x}/{y}.png", MAP_TILE_ATTRIBUTION='© <a href="/c">Us</a>'
)
def test_the_map_panel_carries_the_tile_settings_escaped_and_starts_hidden():
    html = Template('{% load maps %}{% map_panel source="data" label="Map of these venues" %}').render(Context())
    assert re.search(r"<section [^>]*aria-label=\"Map of these venues\"[^>]*hidden>", html)
    assert 'data-map-source="data"' in html
    assert 'data-tile-url="https://tiles.example.org/{z}/{x}/{y}.png"' in html
    assert 'data-tile-attribution="© &lt;a href=&quot;/c&quot;&gt;Us&lt;/a&gt;"' in html
    assert 'aria-controls="results-map"' in html and "data-fold-on-phone" in html
    bare = Template('{% load maps %}{% map_panel source="d" label="L" toggle=False fold_on_phone=False %}')
    html = bare.render(Context())
    assert "data-map-toggle" not in html and "data-fold-on-phone" not in html
    assert "map-legend" not in html
    legend = Template('{% load maps %}{% map_panel source="d" label="L" kinds="slot support_call" %}')
    items = re.findall(
        r'<li><span class="map-pin map-pin--(\w+)" aria-hidden="true"></span> ([^<]+)</li>', legend.render(Context())
    )
    assert items == [("slot", "Open slot"), ("support_call", "Support call")]


def test_map_assets_load_leaflet_then_markercluster_then_ours():
    html = Template("{% load maps %}{% map_assets %}").render(Context())
    scripts = re.findall(r'<script src="([^"]+)" defer></script>', html)
    assert scripts == [
        "/static/vendor/leaflet-1.9.4/leaflet.js",
        "/static/vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.js",
        "/static/js/map.js",
    ]
    assert '<link rel="stylesheet" href="/static/vendor/leaflet-1.9.4/leaflet.css">' in html


def test_the_point_picker_starts_at_the_point_it_is_given():
    template = Template("{% load maps %}{% point_picker lat=lat lon=lon label=name %}")
    html = template.render(Context({"lat": 52.5, "lon": -0.25, "name": "Kellerbar"}))
    assert 'data-lat="52.500000" data-lon="-0.250000"' in html
    assert "the point of Kellerbar" in html
    assert "data-lat" not in template.render(Context({"lat": None, "lon": None, "name": "X"}))


def test_json_script_keeps_the_data_inside_its_element():
    data = results_map([row("</script><b>", 1, 2)], marker_of, thing="venue", things="venues")
    html = Template('{{ data|json_script:"d" }}').render(Context({"data": data}))
    body = re.fullmatch(r'<script id="d" type="application/json">(.*)</script>', html, re.S).group(1)
    assert "</script>" not in body
    assert json.loads(body)["markers"][0]["title"] == "</script><b>"


@pytest.mark.parametrize(
    ("url", "source"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tile.example.com/{z}/{x}/{y}.png?key=abc", "https://*.tile.example.com"),
        ("http://127.0.0.1:8080/tiles/{z}/{x}/{y}.png", "http://127.0.0.1:8080"),
    ],
)
def test_the_csp_source_of_a_tile_server_is_its_origin(url, source):
    from stageslot.settings.base import tile_source

    assert tile_source(url) == source


@pytest.mark.parametrize(
    "url", ["", "tile.example.com/{z}/{x}/{y}.png", "ftp://x/{z}", "https://{z}.x/", "https://a b/"]
)
def test_a_tile_address_that_is_no_http_origin_stops_the_start(url):
    from django.core.exceptions import ImproperlyConfigured

    from stageslot.settings.base import tile_source

    with pytest.raises(ImproperlyConfigured):
        tile_source(url)
