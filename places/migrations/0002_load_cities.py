"""The gazetteer's cities, so that every database has them from its first migrate."""

from django.db import migrations


def load(apps, schema_editor):
    from places.services import cities_load

    cities_load(city_model=apps.get_model("places", "City"))


class Migration(migrations.Migration):
    dependencies = [("places", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop, elidable=True)]
