"""The index of the nightly `band_blocks_extend`: the blocks not yet written out to the horizon's end (docs/decisions/0092)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("bands", "0021_city_demand"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="bandblock",
            index=models.Index(fields=["materialised_until"], name="bands_block_materialised"),
        ),
    ]
