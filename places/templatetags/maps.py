"""{% map_assets %} and {% map_panel %}: Leaflet on the pages that show a map, and the map's panel
(docs/decisions/0023-maps.md; static/js/map.js draws it)."""

from functools import lru_cache

from django import template
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _

register = template.Library()

LEAFLET = "vendor/leaflet-1.9.4"
CLUSTER = "vendor/leaflet.markercluster-1.5.3"
MAP_STYLESHEETS = (f"{LEAFLET}/leaflet.css", f"{CLUSTER}/MarkerCluster.css", f"{CLUSTER}/MarkerCluster.Default.css")
# In this order: markercluster extends Leaflet, map.js uses both.
MAP_SCRIPTS = (f"{LEAFLET}/leaflet.js", f"{CLUSTER}/leaflet.markercluster.js", "js/map.js")


@register.inclusion_tag("places/partials/_map_assets.html")
def map_assets() -> dict:
    """Leaflet's and markercluster's stylesheets and scripts and our map.js, for a page's extra_head
    block: only the pages with a map load them. Our own map styles are in css/map.css, as every page's.
    Their addresses are worked out once per static files storage, as base.html's {% head_assets %}."""
    return _map_assets(id(staticfiles_storage._wrapped), settings.STATIC_URL)


@lru_cache(maxsize=8)
def _map_assets(storage_id: int, static_url: str) -> dict:
    return {
        "stylesheets": [static(name) for name in MAP_STYLESHEETS],
        "scripts": [static(name) for name in MAP_SCRIPTS],
    }


# The pins' colours (css/map.css), named beside a map that shows more than one kind.
KIND_NAMES = {
    "venue": _("Venue"),
    "slot": _("Open slot"),
    "support_call": _("Support call"),
    "show": _("Show"),
}


@register.inclusion_tag("places/partials/_map_panel.html")
def map_panel(
    *,
    source: str,
    label: str,
    map_id: str = "results-map",
    fold_on_phone: bool = True,
    toggle: bool = True,
    kinds: str = "",
) -> dict:
    """The panel of a map whose markers are the JSON block with id `source` (json_script of
    places.maps.results_map), hidden until static/js/map.js draws it: without JavaScript the page is
    its list. `label` names the map for screen readers and says the list has the same things; a
    "Hide map" button (`toggle`) folds it, and on phones a list's map starts folded (`fold_on_phone`).
    `kinds` ("slot support_call") adds a legend of those pins' colours."""
    return {
        "source": source,
        "label": label,
        "map_id": map_id,
        "fold_on_phone": fold_on_phone,
        "toggle": toggle,
        "legend": [(kind, KIND_NAMES[kind]) for kind in kinds.split()],
        "tile_url": settings.MAP_TILE_URL,
        "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }


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
