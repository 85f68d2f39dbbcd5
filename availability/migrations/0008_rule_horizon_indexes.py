"""The partial indexes of the nightly `horizon_extend`'s two reads of the rules still to extend (docs/decisions/0092)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('availability', '0001_squashed_0007'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='rule',
            index=models.Index(condition=models.Q(('rrule', ''), _negated=True), fields=['materialised_until'], name='availability_rule_repeat_due'),
        ),
        migrations.AddIndex(
            model_name='rule',
            index=models.Index(condition=models.Q(('rrule', '')), fields=['end_date', 'materialised_until'], name='availability_rule_one_off_due'),
        ),
    ]
