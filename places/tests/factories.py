import factory

from places.models import City
from places.names import fold

# Real cities with their real points, for tests that measure distances (geonames ids).
KNOWN = {
    "Hamburg": (2911298, "DE", 53.57532, 10.01534, "Europe/Berlin", 1739117),
    "Berlin": (2950159, "DE", 52.52437, 13.41053, "Europe/Berlin", 3426354),
    "Leipzig": (2879139, "DE", 51.33962, 12.37129, "Europe/Berlin", 504971),
    "Halle": (2911522, "DE", 51.48158, 11.97947, "Europe/Berlin", 234107),
    "Dresden": (2935022, "DE", 51.05089, 13.73832, "Europe/Berlin", 486854),
    "Hanover": (2910831, "DE", 52.37052, 9.73322, "Europe/Berlin", 515140),
    "Kassel": (2892518, "DE", 51.31667, 9.5, "Europe/Berlin", 194501),
    "Nuremberg": (2861650, "DE", 49.45421, 11.07752, "Europe/Berlin", 499237),
    "Munich": (2867714, "DE", 48.13743, 11.57549, "Europe/Berlin", 1260391),
    "Cologne": (2886242, "DE", 50.93333, 6.95, "Europe/Berlin", 963395),
    "Paris": (2988507, "FR", 48.85341, 2.3488, "Europe/Paris", 2138551),
    "London": (2643743, "GB", 51.50853, -0.12574, "Europe/London", 8961989),
    "Prague": (3067696, "CZ", 50.08804, 14.42076, "Europe/Prague", 1165581),
    "Madrid": (3117735, "ES", 40.4165, -3.70256, "Europe/Madrid", 3255944),
    "New York": (5128581, "US", 40.71427, -74.00597, "America/New_York", 8804190),
    "Suva": (2198148, "FJ", -18.14161, 178.44149, "Pacific/Fiji", 77366),
    "Apia": (4035413, "WS", -13.83333, -171.76666, "Pacific/Apia", 40407),
}


class CityFactory(factory.django.DjangoModelFactory):
    """A city; `CityFactory(name="Leipzig")` is the real one (see KNOWN), at its real point."""

    class Meta:
        model = City
        django_get_or_create = ("geoname_id",)

    name = factory.Sequence(lambda n: f"Town {n}")
    geoname_id = factory.LazyAttribute(
        lambda o: KNOWN[o.name][0] if o.name in KNOWN else 90_000_000 + hash(o.name) % 9_000_000
    )
    search_name = factory.LazyAttribute(lambda o: fold(o.name))
    other_names = ""
    region = ""
    country = factory.LazyAttribute(lambda o: KNOWN[o.name][1] if o.name in KNOWN else "DE")
    latitude = factory.LazyAttribute(lambda o: KNOWN[o.name][2] if o.name in KNOWN else 51.0)
    longitude = factory.LazyAttribute(lambda o: KNOWN[o.name][3] if o.name in KNOWN else 10.0)
    time_zone = factory.LazyAttribute(lambda o: KNOWN[o.name][4] if o.name in KNOWN else "Europe/Berlin")
    population = factory.LazyAttribute(lambda o: KNOWN[o.name][5] if o.name in KNOWN else 20_000)
