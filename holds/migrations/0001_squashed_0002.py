"""The holds migrations 0001–0002 in one, so that a new database (each test run's too) migrates fast.

Written from the end state of the old chain (docs/decisions/0049-squashed-migrations.md); `replaces`
lets a database that applied the old migrations go on with this one, and the old files stay until
every database has recorded it. Builds the same tables, indexes, constraints and triggers as the old
chain on SQLite and PostgreSQL.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    replaces = [("holds", "0001_initial"), ("holds", "0002_hold_requests")]

    dependencies = [
        ("accounts", "__first__"),
        ("bands", "0019_rsvp_reminder_lineup"),
        ("bookings", "0017_bookingfile_deliverable"),
        ("teams", "0001_initial"),
        ("venues", "0013_venuestaff_group_id"),
    ]

    operations = [
        migrations.CreateModel(
            name="Hold",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("date", models.DateField(help_text="The day in the venue's time zone.", verbose_name="date")),
                ("starts_at", models.DateTimeField(verbose_name="starts at")),
                ("ends_at", models.DateTimeField(verbose_name="ends at")),
                ("level", models.PositiveSmallIntegerField(verbose_name="level")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("held", "Held"),
                            ("confirmed", "Confirmed"),
                            ("released", "Released"),
                            ("lapsed", "Lapsed"),
                        ],
                        default="held",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("expires_at", models.DateTimeField(verbose_name="expires at")),
                ("note", models.CharField(blank=True, max_length=300, verbose_name="note")),
                ("on_behalf", models.CharField(blank=True, max_length=200, verbose_name="on behalf of")),
                ("challenge_ends_at", models.DateTimeField(blank=True, null=True, verbose_name="challenge ends at")),
                (
                    "ended",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("released", "Let go"),
                            ("expired", "Expired"),
                            ("challenge_lapsed", "Did not answer a challenge in time"),
                            ("date_confirmed", "The date was confirmed for another act"),
                        ],
                        max_length=20,
                        verbose_name="how it ended",
                    ),
                ),
                ("ended_at", models.DateTimeField(blank=True, null=True, verbose_name="ended at")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                (
                    "band",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="holds",
                        to="bands.band",
                        verbose_name="band",
                    ),
                ),
                (
                    "booking",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="bookings.booking",
                        verbose_name="booking",
                    ),
                ),
                (
                    "challenged_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="holds.hold",
                        verbose_name="challenged by",
                    ),
                ),
                (
                    "held_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="held by",
                    ),
                ),
                (
                    "stage",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="holds",
                        to="venues.stage",
                        verbose_name="stage",
                    ),
                ),
                (
                    "venue",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="holds",
                        to="venues.venue",
                        verbose_name="venue",
                    ),
                ),
            ],
            options={
                "verbose_name": "hold",
                "verbose_name_plural": "holds",
                "ordering": ["date", "stage", "level", "pk"],
                "indexes": [
                    models.Index(fields=["venue", "date"], name="holds_venue_date"),
                    models.Index(fields=["band", "date"], name="holds_band_date"),
                    models.Index(fields=["status", "expires_at"], name="holds_status_expiry"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("status", "held")),
                        fields=("stage", "date", "level"),
                        name="holds_one_act_per_level",
                        violation_error_message="This level is taken on this date.",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("status", "held")),
                        fields=("stage", "date", "band"),
                        name="holds_band_once_per_date",
                        violation_error_message="This band is held on this date already.",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="HoldEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "what",
                    models.CharField(
                        choices=[
                            ("placed", "Held"),
                            ("moved_up", "Moved up"),
                            ("challenged", "Challenged the 1st hold"),
                            ("was_challenged", "Was challenged"),
                            ("confirmed", "Confirmed"),
                            ("released", "Let go"),
                            ("lapsed", "Lapsed"),
                        ],
                        max_length=16,
                        verbose_name="what",
                    ),
                ),
                ("on_behalf", models.CharField(blank=True, max_length=200, verbose_name="on behalf of")),
                ("level", models.PositiveSmallIntegerField(verbose_name="level")),
                ("note", models.CharField(blank=True, max_length=300, verbose_name="note")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                (
                    "actor",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="actor",
                    ),
                ),
                (
                    "hold",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="holds.hold",
                        verbose_name="hold",
                    ),
                ),
            ],
            options={
                "verbose_name": "hold event",
                "verbose_name_plural": "hold events",
                "ordering": ["hold", "created_at", "pk"],
            },
        ),
        migrations.CreateModel(
            name="HoldRequest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("date", models.DateField(help_text="The day in the venue's time zone.", verbose_name="date")),
                ("starts_at", models.DateTimeField(verbose_name="starts at")),
                ("ends_at", models.DateTimeField(verbose_name="ends at")),
                ("note", models.CharField(blank=True, max_length=300, verbose_name="note")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("asked", "Asked"),
                            ("held", "Held"),
                            ("declined", "Declined"),
                            ("withdrawn", "Taken back"),
                        ],
                        default="asked",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("answered_at", models.DateTimeField(blank=True, null=True, verbose_name="answered at")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="asked at")),
                (
                    "answered_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="answered by",
                    ),
                ),
                (
                    "asked_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="asked by",
                    ),
                ),
                (
                    "band",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="hold_requests",
                        to="bands.band",
                        verbose_name="band",
                    ),
                ),
                (
                    "hold",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="requests",
                        to="holds.hold",
                        verbose_name="hold",
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="hold_requests",
                        to="teams.organisation",
                        verbose_name="agency",
                    ),
                ),
                (
                    "venue",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="hold_requests",
                        to="venues.venue",
                        verbose_name="venue",
                    ),
                ),
            ],
            options={
                "verbose_name": "hold request",
                "verbose_name_plural": "hold requests",
                "ordering": ["date", "venue", "pk"],
                "indexes": [models.Index(fields=["venue", "status"], name="holds_request_venue_status")],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("status", "asked")),
                        fields=("band", "venue", "date"),
                        name="holds_one_open_request_per_date",
                        violation_error_message="This venue has been asked to hold this date for this band already.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("ends_at__gt", models.F("starts_at"))), name="holds_request_ends_after"
                    ),
                ],
            },
        ),
        # Added apart, as in the old chain: on SQLite this rebuilds the table, which moves the
        # self-referential challenged_by column last, where the old chain has it.
        migrations.AddConstraint(
            model_name="hold",
            constraint=models.CheckConstraint(
                condition=models.Q(("level__gte", 1), ("level__lte", 9)), name="holds_level_in_range"
            ),
        ),
        migrations.AddConstraint(
            model_name="hold",
            constraint=models.CheckConstraint(
                condition=models.Q(("ends_at__gt", models.F("starts_at"))), name="holds_ends_after_start"
            ),
        ),
    ]
