"""`manage.py seed_world --scale N`: a plausible world of N times the demo's size for load testing
(stageslot/demo/world.py, docs/decisions/0088). Resumable: run it again to finish an interrupted world."""

import datetime as dt

from django.core.management import BaseCommand, CommandError

from stageslot.demo import world


class Command(BaseCommand):
    help = (
        "Build a load-testing world: --scale 1 is 100 bands, 20 venues, 400 people, 3,000 bookings; "
        "--scale 100 is a hundred times that. Deterministic by --seed; a rerun continues where it stopped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="size: 1 ≈ 100 bands; fractions from 0.1")
        parser.add_argument("--seed", type=int, default=1, help="the same seed (and day) makes the same world")
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None, help="the world's today (UTC)")
        parser.add_argument("--chunk", type=int, default=10, help="units written per transaction")

    def handle(self, *args, **options):
        if options["scale"] <= 0:
            raise CommandError("--scale must be more than 0.")
        made = world.seed(
            scale=options["scale"],
            seed=options["seed"],
            today=options["today"],
            chunk=max(1, options["chunk"]),
            say=lambda line: self.stdout.write(line),
        )
        self.stdout.write(f"world of scale {options['scale']:g} (seed {options['seed']}) ready; {made} units made now")
