"""A booking without an agreed quote keeps the late cancellation fee it was made under.

Rows made before: the fee the client read, from the words kept with the booking ("…; after that, 50 %
of the price", in whatever language they read it: the one number before a "%"), else the band's fee as
it stands now (the best that is known). Only rows with band terms (a free-cancellation moment) get one."""

import re

import django.core.validators
from django.db import migrations, models


PERCENT = re.compile(r"(\d{1,3})\s*%")


def keep_late_percent(apps, schema_editor):
    Booking = apps.get_model("bookings", "Booking")
    rows = Booking.objects.filter(cancel_free_until__isnull=False, cancel_late_percent__isnull=True)
    for booking in rows.select_related("band").only("pk", "cancel_terms", "band__cancel_late_percent").iterator():
        found = {int(n) for n in PERCENT.findall(booking.cancel_terms) if int(n) <= 100}
        percent = found.pop() if len(found) == 1 else booking.band.cancel_late_percent
        Booking.objects.filter(pk=booking.pk).update(cancel_late_percent=percent)


class Migration(migrations.Migration):

    dependencies = [
        ('bands', '0001_squashed_0019'),
        ('bookings', '0001_squashed_0018'),
    ]

    operations = [
        migrations.AddField(
            model_name='booking',
            name='cancel_late_percent',
            field=models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MaxValueValidator(100)], verbose_name='late cancellation fee (%)'),
        ),
        migrations.RunPython(keep_late_percent, migrations.RunPython.noop),
    ]
