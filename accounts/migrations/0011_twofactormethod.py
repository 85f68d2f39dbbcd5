from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_german"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [
        migrations.CreateModel(
            name="TwoFactorMethod",
            fields=[],
            options={
                "verbose_name": "two-factor method",
                "verbose_name_plural": "two-factor methods",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("mfa.authenticator",),
        ),
    ]
