from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_push"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="language",
            field=models.CharField(
                blank=True,
                choices=[("en", "English"), ("en-gb", "British English"), ("de", "German")],
                help_text="Pages, notifications and emails reach you in this language.",
                max_length=16,
                verbose_name="language",
            ),
        ),
    ]
