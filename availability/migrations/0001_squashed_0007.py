"""The availability migrations 0001–0007 in one, so that a new database (each test run's too) migrates fast.

Written from the end state of the old chain (docs/decisions/0049-squashed-migrations.md); `replaces`
lets a database that applied the old migrations go on with this one, and the old files stay until
every database has recorded it. Builds the same tables, indexes, constraints and triggers as the old
chain on SQLite and PostgreSQL.

Keeps 0002's GiST index on the busy span (PostgreSQL only).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import core.fields.timezones

# From 0002_busy_span_index: the GiST index behind "bands free between X and Y" (PostgreSQL only);
# docs/decisions/0005-free-date-search.md. It lives only here, out of the autodetector's sight.
SPAN_INDEX_NAME = "availability_busy_span_gist"
SPAN_INDEX_SQL = (
    f'CREATE INDEX IF NOT EXISTS "{SPAN_INDEX_NAME}" ON "availability_busyinterval" '
    'USING gist ((tstzrange("starts_at", "ends_at"))) INCLUDE ("user_id", "starts_at", "ends_at")'
)


def create_span_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(SPAN_INDEX_SQL)


def drop_span_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP INDEX IF EXISTS "{SPAN_INDEX_NAME}"')


class Migration(migrations.Migration):
    replaces = [
        ("availability", "0001_initial"),
        ("availability", "0002_busy_span_index"),
        ("availability", "0003_busy_user_single_index"),
        ("availability", "0004_calendar_read_problems"),
        ("availability", "0005_busy_point"),
        ("availability", "0006_names_for_translation"),
        ("availability", "0007_busy_source_connected"),
    ]

    dependencies = [
        ("accounts", "__first__"),
    ]

    operations = [
        migrations.CreateModel(
            name="BusyInterval",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("starts_at", models.DateTimeField(verbose_name="starts at")),
                ("ends_at", models.DateTimeField(verbose_name="ends at")),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("rule", "Busy rule"),
                            ("window", "Outside only-available windows"),
                            ("calendar", "Imported calendar"),
                            ("band_block", "Band block"),
                            ("gig", "Gig"),
                            ("connected", "Connected calendar"),
                        ],
                        max_length=12,
                        verbose_name="source",
                    ),
                ),
                ("source_id", models.PositiveBigIntegerField(verbose_name="source id")),
                ("title", models.CharField(blank=True, max_length=200, verbose_name="title")),
                (
                    "user",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="busy_intervals",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
                ("latitude", models.FloatField(blank=True, null=True, verbose_name="latitude")),
                ("longitude", models.FloatField(blank=True, null=True, verbose_name="longitude")),
            ],
            options={
                "ordering": ["user", "starts_at"],
                "indexes": [
                    models.Index(fields=["user", "starts_at", "ends_at"], name="availability_busy_user_time"),
                    models.Index(fields=["source", "source_id"], name="availability_busy_source"),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("starts_at__lt", models.F("ends_at"))),
                        name="availability_busy_ends_after_start",
                        violation_error_message="A busy interval must end after it starts.",
                    )
                ],
                "verbose_name": "busy interval",
                "verbose_name_plural": "busy intervals",
            },
        ),
        migrations.CreateModel(
            name="ExternalCalendar",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(blank=True, max_length=80, verbose_name="name")),
                ("url", models.CharField(max_length=2000, verbose_name="secret ICS address")),
                ("etag", models.CharField(blank=True, editable=False, max_length=300, verbose_name="etag")),
                (
                    "last_modified",
                    models.CharField(blank=True, editable=False, max_length=100, verbose_name="last modified"),
                ),
                (
                    "last_attempt_at",
                    models.DateTimeField(blank=True, editable=False, null=True, verbose_name="last attempt at"),
                ),
                (
                    "last_synced_at",
                    models.DateTimeField(blank=True, editable=False, null=True, verbose_name="last synced at"),
                ),
                ("last_error", models.CharField(blank=True, editable=False, max_length=500, verbose_name="last error")),
                (
                    "failures",
                    models.PositiveIntegerField(
                        default=0, editable=False, help_text="Failed syncs in a row.", verbose_name="failures"
                    ),
                ),
                ("event_count", models.PositiveIntegerField(default=0, editable=False, verbose_name="event count")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="external_calendars",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
                (
                    "read_problems",
                    models.JSONField(blank=True, default=list, editable=False, verbose_name="read problems"),
                ),
            ],
            options={
                "ordering": ["user", "created_at"],
                "constraints": [
                    models.UniqueConstraint(fields=("user", "url"), name="availability_calendar_unique_url")
                ],
                "verbose_name": "external calendar",
                "verbose_name_plural": "external calendars",
            },
        ),
        migrations.CreateModel(
            name="Rule",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(blank=True, max_length=120, verbose_name="title")),
                (
                    "time_zone",
                    models.CharField(
                        max_length=64, validators=[core.fields.timezones.validate_time_zone], verbose_name="time zone"
                    ),
                ),
                ("all_day", models.BooleanField(default=False, verbose_name="all day")),
                ("start_date", models.DateField(verbose_name="start date")),
                ("start_time", models.TimeField(blank=True, null=True, verbose_name="start time")),
                ("end_date", models.DateField(verbose_name="end date")),
                ("end_time", models.TimeField(blank=True, null=True, verbose_name="end time")),
                (
                    "rrule",
                    models.CharField(
                        blank=True,
                        help_text="RFC 5545 RRULE, without DTSTART.",
                        max_length=300,
                        verbose_name="repeat rule",
                    ),
                ),
                (
                    "exdates",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="Local dates (YYYY-MM-DD) of occurrences taken out.",
                        verbose_name="skipped dates",
                    ),
                ),
                (
                    "materialised_until",
                    models.DateTimeField(blank=True, editable=False, null=True, verbose_name="materialised until"),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "kind",
                    models.CharField(
                        choices=[("busy", "Busy"), ("available", "Only available")],
                        default="busy",
                        max_length=10,
                        verbose_name="kind",
                    ),
                ),
                ("occurrence_date", models.DateField(blank=True, null=True, verbose_name="occurrence date")),
                (
                    "series",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="overrides",
                        to="availability.rule",
                        verbose_name="series",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="availability_rules",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "ordering": ["user", "start_date", "start_time", "id"],
                "indexes": [models.Index(fields=["user", "kind"], name="availabilit_user_id_142656_idx")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("all_day", True),
                                ("end_date__gte", models.F("start_date")),
                                ("end_time__isnull", True),
                                ("start_time__isnull", True),
                            ),
                            models.Q(
                                ("all_day", False),
                                ("end_time__isnull", False),
                                ("start_time__isnull", False),
                                models.Q(
                                    ("end_date__gt", models.F("start_date")),
                                    models.Q(
                                        ("end_date", models.F("start_date")), ("end_time__gt", models.F("start_time"))
                                    ),
                                    _connector="OR",
                                ),
                            ),
                            _connector="OR",
                        ),
                        name="availability_rule_ends_after_start",
                        violation_error_message="The end must be after the start.",
                    )
                ],
                "verbose_name": "rule",
                "verbose_name_plural": "rules",
            },
        ),
        migrations.RunPython(create_span_index, drop_span_index),
    ]
