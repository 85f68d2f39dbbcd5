"""The city autocomplete's suggestions and the time zone at a point: public data, for every visitor."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from .forms import population_hint
from .geo import point_problem
from .selectors import city_search
from .zones import zone_at


@require_GET
@cache_control(max_age=3600, public=True)
def city_suggestions(request: HttpRequest) -> HttpResponse:
    """The listbox of up to eight cities whose name starts with `q` (an HTMX partial; empty below two letters)."""
    # "Leipzig, Germany" (a picked city, typed on) looks for Leipzig again.
    cities = city_search(request.GET.get("q", "")[:100].split(",")[0])
    options = [{"city": c, "hint": population_hint(c)} for c in cities]
    # Rendered without the request: no context processor (and none of their queries) for a list of names.
    return HttpResponse(render_to_string("places/suggestions.html", {"options": options}))


@require_GET
@cache_control(max_age=86400, public=True)
def time_zone_at(request: HttpRequest) -> JsonResponse:
    """{"time_zone": "Europe/Berlin"} at the point `latitude`, `longitude` ("" at sea); 400 for no point."""
    lat, lon = request.GET.get("latitude", ""), request.GET.get("longitude", "")
    if problem := point_problem(lat, lon):
        return JsonResponse({"error": problem}, status=400)
    return JsonResponse({"time_zone": zone_at(float(lat), float(lon))})
