"""The accounts migrations 0001–0010 in one, so that a new database (each test run's too) migrates fast.

Written from the end state of the old chain (docs/decisions/0049-squashed-migrations.md); `replaces`
lets a database that applied the old migrations go on with this one, and the old files stay until
every database has recorded it. Builds the same tables, indexes, constraints and triggers as the old
chain on SQLite and PostgreSQL.

0011_twofactormethod stays apart: it depends on allauth's mfa migrations, whose first one depends on
the user model, so folding it in would make a cycle.
"""

import django.db.models.deletion
import django.db.models.functions.text
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import accounts.models
import core.fields.timezones


class Migration(migrations.Migration):
    replaces = [
        ("accounts", "0001_initial"),
        ("accounts", "0002_notification"),
        ("accounts", "0003_notification_preferences_and_delivery"),
        ("accounts", "0004_notification_email_sending"),
        ("accounts", "0005_api_token"),
        ("accounts", "0006_rate_counts"),
        ("accounts", "0007_user_language"),
        ("accounts", "0008_names_for_translation"),
        ("accounts", "0009_push"),
        ("accounts", "0010_german"),
    ]

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.CreateModel(
            name="User",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("password", models.CharField(max_length=128, verbose_name="password")),
                ("last_login", models.DateTimeField(blank=True, null=True, verbose_name="last login")),
                (
                    "is_superuser",
                    models.BooleanField(
                        default=False,
                        help_text="Designates that this user has all permissions without explicitly assigning them.",
                        verbose_name="superuser status",
                    ),
                ),
                (
                    "is_staff",
                    models.BooleanField(
                        default=False,
                        help_text="Designates whether the user can log into this admin site.",
                        verbose_name="staff status",
                    ),
                ),
                (
                    "is_active",
                    models.BooleanField(
                        default=True,
                        help_text="Designates whether this user should be treated as active. Unselect this instead of deleting accounts.",
                        verbose_name="active",
                    ),
                ),
                ("date_joined", models.DateTimeField(default=django.utils.timezone.now, verbose_name="date joined")),
                ("email", models.EmailField(max_length=254, unique=True, verbose_name="email address")),
                (
                    "display_name",
                    models.CharField(
                        blank=True,
                        help_text="How other people on StageSlot see you, e.g. “Sam Rivera”.",
                        max_length=80,
                        verbose_name="display name",
                    ),
                ),
                (
                    "time_zone",
                    models.CharField(
                        default="UTC",
                        help_text="Times are shown to you in this zone.",
                        max_length=64,
                        validators=[core.fields.timezones.validate_time_zone],
                        verbose_name="time zone",
                    ),
                ),
                ("avatar", models.ImageField(blank=True, upload_to=accounts.models.avatar_path, verbose_name="avatar")),
                (
                    "groups",
                    models.ManyToManyField(
                        blank=True,
                        help_text="The groups this user belongs to. A user will get all permissions granted to each of their groups.",
                        related_name="user_set",
                        related_query_name="user",
                        to="auth.group",
                        verbose_name="groups",
                    ),
                ),
                (
                    "user_permissions",
                    models.ManyToManyField(
                        blank=True,
                        help_text="Specific permissions for this user.",
                        related_name="user_set",
                        related_query_name="user",
                        to="auth.permission",
                        verbose_name="user permissions",
                    ),
                ),
                (
                    "language",
                    models.CharField(
                        blank=True,
                        choices=[("en", "English"), ("en-gb", "British English"), ("de", "German")],
                        help_text="Pages, notifications and emails reach you in this language.",
                        max_length=16,
                        verbose_name="language",
                    ),
                ),
            ],
            options={
                "ordering": ["email"],
                "constraints": [
                    models.UniqueConstraint(
                        django.db.models.functions.text.Lower("email"), name="accounts_user_email_ci_unique"
                    )
                ],
                "verbose_name": "user",
                "verbose_name_plural": "users",
            },
            managers=[
                ("objects", accounts.models.UserManager()),
            ],
        ),
        migrations.CreateModel(
            name="Notification",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(max_length=40, verbose_name="kind")),
                ("text", models.CharField(max_length=500, verbose_name="text")),
                ("link", models.CharField(blank=True, max_length=300, verbose_name="link")),
                ("dedupe_key", models.CharField(max_length=200, unique=True, verbose_name="dedupe key")),
                ("read_at", models.DateTimeField(blank=True, null=True, verbose_name="read at")),
                (
                    "email_state",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting to be sent"),
                            ("sending", "Being sent"),
                            ("digest", "Waiting for the daily digest"),
                            ("sent", "Sent"),
                            ("skipped", "Not wanted"),
                            ("failed", "Failed"),
                        ],
                        default="pending",
                        max_length=10,
                        verbose_name="email state",
                    ),
                ),
                ("email_sent_at", models.DateTimeField(blank=True, null=True, verbose_name="email sent at")),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="created at")),
                (
                    "recipient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notifications",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="recipient",
                    ),
                ),
                ("data", models.JSONField(blank=True, default=dict, verbose_name="data")),
                ("email_attempts", models.PositiveSmallIntegerField(default=0, verbose_name="email attempts")),
                ("email_error", models.CharField(blank=True, max_length=300, verbose_name="email error")),
                ("email_tried_at", models.DateTimeField(blank=True, null=True, verbose_name="email tried at")),
                ("in_app", models.BooleanField(default=True, verbose_name="in app")),
                ("email_claimed_at", models.DateTimeField(blank=True, null=True, verbose_name="email claimed at")),
                ("push_attempts", models.PositiveSmallIntegerField(default=0, verbose_name="push attempts")),
                ("push_state", models.CharField(blank=True, default="", max_length=8, verbose_name="push state")),
                ("push_tried_at", models.DateTimeField(blank=True, null=True, verbose_name="push tried at")),
            ],
            options={
                "ordering": ["-created_at", "-id"],
                "indexes": [
                    models.Index(fields=["recipient", "-created_at"], name="accounts_notif_recipient"),
                    models.Index(
                        condition=models.Q(("in_app", True), ("read_at__isnull", True)),
                        fields=["recipient"],
                        name="accounts_notif_unread_in_app",
                    ),
                    models.Index(
                        condition=models.Q(("email_state__in", ["pending", "sending", "digest"])),
                        fields=["created_at"],
                        name="accounts_notif_email_waiting",
                    ),
                ],
                "verbose_name": "notification",
                "verbose_name_plural": "notifications",
            },
        ),
        migrations.CreateModel(
            name="NotificationPreference",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(max_length=40, verbose_name="kind")),
                ("in_app", models.BooleanField(default=True, verbose_name="in app")),
                (
                    "email",
                    models.CharField(
                        choices=[("instant", "Email at once"), ("digest", "In the daily digest"), ("off", "No email")],
                        default="instant",
                        max_length=8,
                        verbose_name="email",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notification_preferences",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("user", "kind"), name="accounts_notif_pref_unique")],
                "verbose_name": "notification preference",
                "verbose_name_plural": "notification preferences",
            },
        ),
        migrations.CreateModel(
            name="ApiToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=80, verbose_name="name")),
                ("scopes", models.JSONField(default=list, verbose_name="scopes")),
                ("prefix", models.CharField(max_length=12, verbose_name="prefix")),
                ("digest", models.CharField(max_length=64, unique=True, verbose_name="digest")),
                ("expires_at", models.DateTimeField(blank=True, null=True, verbose_name="expires at")),
                ("last_used_at", models.DateTimeField(blank=True, null=True, verbose_name="last used at")),
                ("revoked_at", models.DateTimeField(blank=True, null=True, verbose_name="revoked at")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="api_tokens",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
                "indexes": [models.Index(fields=["user", "-created_at"], name="accounts_ap_user_id_0ad77e_idx")],
                "verbose_name": "API token",
                "verbose_name_plural": "API tokens",
            },
        ),
        migrations.CreateModel(
            name="RateCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=200, unique=True, verbose_name="key")),
                ("count", models.PositiveIntegerField(default=0, verbose_name="count")),
                ("expires_at", models.DateTimeField(db_index=True, verbose_name="expires at")),
            ],
            options={
                "verbose_name": "rate count",
                "verbose_name_plural": "rate counts",
            },
        ),
        migrations.CreateModel(
            name="PushSubscription",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("endpoint", models.URLField(max_length=1000, unique=True, verbose_name="endpoint")),
                ("p256dh", models.CharField(max_length=100, verbose_name="browser key")),
                ("auth", models.CharField(max_length=40, verbose_name="auth secret")),
                ("label", models.CharField(blank=True, max_length=120, verbose_name="device")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("last_success_at", models.DateTimeField(blank=True, null=True, verbose_name="last delivered")),
                ("failures", models.PositiveSmallIntegerField(default=0, verbose_name="failures in a row")),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="push_subscriptions",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "verbose_name": "push subscription",
                "verbose_name_plural": "push subscriptions",
                "ordering": ["user", "-created_at"],
            },
        ),
    ]
