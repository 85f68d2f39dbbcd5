"""{% map_assets %} and {% map_panel %}: Leaflet on the pages that show a map, and the map's panel
(docs/decisions/0023-maps.md; static/js/map.js draws it)."""

from functools import lru_cache

from django import template
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.templatetags.static import static
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

LEAFLET = "vendor/leaflet-1.9.4"
CLUSTER = "vendor/leaflet.markercluster-1.5.3"
MAP_STYLESHEETS = (f"{LEAFLET}/leaflet.css", f"{CLUSTER}/MarkerCluster.css", f"{CLUSTER}/MarkerCluster.Default.css")
# In this order: markercluster extends Leaflet, map.js uses both.
MAP_SCRIPTS = (f"{LEAFLET}/leaflet.js", f"{CLUSTER}/leaflet.markercluster.js", "js/map.js")


@register.simple_tag
def map_assets() -> SafeString:
    """Leaflet's and markercluster's stylesheets and scripts and our map.js, for a page's extra_head
    block: only the pages with a map load them. Our own map styles are in css/map.css, as every page's.
    Built once per static files storage, as base.html's {% head_assets %}."""
    return _map_assets(id(staticfiles_storage._wrapped), settings.STATIC_URL)


@lru_cache(maxsize=8)
def _map_assets(storage_id: int, static_url: str) -> SafeString:
    styles = format_html_join("\n", '<link rel="stylesheet" href="{}">', ((static(name),) for name in MAP_STYLESHEETS))
    scripts = format_html_join("\n", '<script src="{}" defer></script>', ((static(name),) for name in MAP_SCRIPTS))
    return format_html("{}\n{}", styles, scripts)


MAP_PANEL_HTML = (
    '<section class="map-panel" aria-label="{label}" data-map-panel data-map-source="{source}"{fold} hidden>'
    '<div class="map-panel__bar"><p class="map-panel__note muted" data-map-note></p>{legend}{toggle}</div>'
    '<div id="{map_id}" class="map-panel__map" data-map data-tile-url="{tile_url}" '
    'data-tile-attribution="{tile_attribution}"></div>'
    "</section>"
)
# The pins' colours (css/map.css), named beside a map that shows more than one kind.
KIND_NAMES = {"venue": "Venue", "slot": "Open slot", "support_call": "Support call", "show": "Show"}
LEGEND_ITEM_HTML = '<li><span class="map-pin map-pin--{}" aria-hidden="true"></span> {}</li>'
TOGGLE_HTML = (
    '<button type="button" class="btn btn--ghost map-panel__toggle" aria-expanded="true" '
    'aria-controls="{map_id}" data-map-toggle>Hide map</button>'
)


@register.simple_tag
def map_panel(
    *,
    source: str,
    label: str,
    map_id: str = "results-map",
    fold_on_phone: bool = True,
    toggle: bool = True,
    kinds: str = "",
) -> SafeString:
    """The panel of a map whose markers are the JSON block with id `source` (json_script of
    places.maps.results_map), hidden until static/js/map.js draws it: without JavaScript the page is
    its list. `label` names the map for screen readers and says the list has the same things; a
    "Hide map" button (`toggle`) folds it, and on phones a list's map starts folded (`fold_on_phone`).
    `kinds` ("slot support_call") adds a legend of those pins' colours.
    Markup in Python, as the result cards beside it (docs/decisions/0017), drawn once per set of arguments."""
    # Escaped first, so that equal arguments draw equal markup whether or not they came marked safe.
    source, label, map_id = (conditional_escape(text) for text in (source, label, map_id))
    return _map_panel(
        source, label, map_id, fold_on_phone, toggle, kinds, settings.MAP_TILE_URL, settings.MAP_TILE_ATTRIBUTION
    )


@lru_cache(maxsize=64)
def _map_panel(
    source: str,
    label: str,
    map_id: str,
    fold_on_phone: bool,
    toggle: bool,
    kinds: str,
    tile_url: str,
    tile_attribution: str,
) -> SafeString:
    return format_html(
        MAP_PANEL_HTML,
        label=label,
        source=source,
        fold=mark_safe(" data-fold-on-phone") if fold_on_phone else "",  # our constant
        toggle=format_html(TOGGLE_HTML, map_id=map_id) if toggle else "",
        legend=format_html(
            '<ul class="map-legend" aria-hidden="true">{}</ul>',
            format_html_join("", LEGEND_ITEM_HTML, ((kind, KIND_NAMES[kind]) for kind in kinds.split())),
        )
        if kinds
        else "",
        map_id=map_id,
        tile_url=tile_url,
        tile_attribution=tile_attribution,
    )


@register.inclusion_tag("places/partials/_point_picker.html")
def point_picker(*, lat: float | None = None, lon: float | None = None, label: str = "the venue") -> dict:
    """A small map in a form with number inputs named `latitude` and `longitude`: a click or a dragged
    pin fills them, and typing in them moves the pin. It starts at the inputs' point, else at
    (`lat`, `lon`) (the city's point). Without JavaScript, or in a form without those inputs, it stays
    hidden and the inputs alone do the job."""
    return {
        "lat": lat,
        "lon": lon,
        "label": label,
        "tile_url": settings.MAP_TILE_URL,
        "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
