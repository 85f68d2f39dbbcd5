"""The table of the limits' cache without Redis (LimitsCacheEntry, Django's DatabaseCache in
settings.LIMITS_CACHE_TABLE): made by migrate like every other table, so `make run`, the tests and every
process of the site find it (docs/decisions/0054-bodies-pdfs-limits.md). With Redis it stays empty."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0013_api_token_second_factor'),
    ]

    operations = [
        migrations.CreateModel(
            name='LimitsCacheEntry',
            fields=[
                ('cache_key', models.CharField(max_length=255, primary_key=True, serialize=False, verbose_name='key')),
                ('value', models.TextField(verbose_name='value')),
                ('expires', models.DateTimeField(db_index=True, verbose_name='expires at')),
            ],
            options={
                'verbose_name': 'limit count',
                'verbose_name_plural': 'limit counts',
                'db_table': 'stageslot_limits_cache',
            },
        ),
    ]
