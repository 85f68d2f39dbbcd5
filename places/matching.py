"""Matching places typed before the gazetteer existed to its cities (used by data migrations and
by staff in the admin). A row whose text names no city, or several, keeps no city and is listed for
staff: a place is never guessed."""

from .selectors import city_match


def rows_match(rows, *, city_model, name_field: str = "city", country_field: str = "country") -> tuple[list, list]:
    """Set `place`, `latitude` and `longitude` on each row whose text names one city; returns
    (matched, unmatched). The caller saves them."""
    matched, unmatched = [], []
    cache: dict[tuple[str, str], object] = {}
    for row in rows:
        name, country = getattr(row, name_field) or "", str(getattr(row, country_field) or "")
        if not name.strip():
            continue
        key = (name, country)
        if key not in cache:
            cache[key] = city_match(name, country, city_model=city_model)
        city = cache[key]
        if city is None:
            unmatched.append(row)
            continue
        row.place = city
        row.latitude, row.longitude = city.latitude, city.longitude
        matched.append(row)
    return matched, unmatched
