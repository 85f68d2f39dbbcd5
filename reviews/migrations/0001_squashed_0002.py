"""The reviews migrations 0001–0002 in one, so that a new database (each test run's too) migrates fast.

Written from the end state of the old chain (docs/decisions/0049-squashed-migrations.md); `replaces`
lets a database that applied the old migrations go on with this one, and the old files stay until
every database has recorded it. Builds the same tables, indexes, constraints and triggers as the old
chain on SQLite and PostgreSQL.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    replaces = [("reviews", "0001_initial"), ("reviews", "0002_names_for_translation")]

    dependencies = [
        ("accounts", "__first__"),
        ("bands", "0017_names_for_translation"),
        ("bookings", "0013_names_for_translation"),
        ("venues", "0012_names_for_translation"),
    ]

    operations = [
        migrations.CreateModel(
            name="Review",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "author_side",
                    models.CharField(
                        choices=[("band", "Band"), ("venue", "Venue"), ("client", "Client")],
                        max_length=6,
                        verbose_name="author side",
                    ),
                ),
                (
                    "subject_side",
                    models.CharField(
                        choices=[("band", "Band"), ("venue", "Venue"), ("client", "Client")],
                        max_length=6,
                        verbose_name="subject side",
                    ),
                ),
                ("no_show", models.BooleanField(default=False, verbose_name="no show")),
                ("overall", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="overall")),
                ("performance", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="performance")),
                ("punctuality", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="punctuality")),
                (
                    "communication",
                    models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="communication"),
                ),
                ("sound", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="sound and production")),
                ("hospitality", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="hospitality")),
                ("paid", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="paid as agreed")),
                ("again", models.BooleanField(blank=True, null=True, verbose_name="would book or play again")),
                ("text", models.TextField(max_length=2000, verbose_name="text")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("published_at", models.DateTimeField(blank=True, null=True, verbose_name="published at")),
                ("hidden_at", models.DateTimeField(blank=True, null=True, verbose_name="hidden at")),
                ("hidden_reason", models.CharField(blank=True, max_length=500, verbose_name="hidden reason")),
                (
                    "no_show_confirmed_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="no show confirmed at"),
                ),
                (
                    "no_show_dismissed_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="no show dismissed at"),
                ),
                ("reply_text", models.TextField(blank=True, max_length=2000, verbose_name="reply text")),
                ("reply_at", models.DateTimeField(blank=True, null=True, verbose_name="reply at")),
                (
                    "author",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="author",
                    ),
                ),
                (
                    "band",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reviews",
                        to="bands.band",
                        verbose_name="band",
                    ),
                ),
                (
                    "booking",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reviews",
                        to="bookings.booking",
                        verbose_name="booking",
                    ),
                ),
                (
                    "client",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reviews_as_client",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="client",
                    ),
                ),
                (
                    "reply_author",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="reply author",
                    ),
                ),
                (
                    "venue",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reviews",
                        to="venues.venue",
                        verbose_name="venue",
                    ),
                ),
            ],
            options={
                "ordering": ["-published_at", "-pk"],
                "indexes": [
                    models.Index(fields=["band", "subject_side", "-published_at"], name="reviews_of_band"),
                    models.Index(fields=["venue", "subject_side", "-published_at"], name="reviews_of_venue"),
                    models.Index(fields=["client", "subject_side", "-published_at"], name="reviews_of_client"),
                    models.Index(
                        condition=models.Q(("published_at__isnull", True)),
                        fields=["published_at"],
                        name="reviews_unpublished",
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("booking", "author_side"),
                        name="reviews_one_per_side",
                        violation_error_message="This side has reviewed this gig already.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("author_side", models.F("subject_side")), _negated=True),
                        name="reviews_not_of_own_side",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("no_show", True), ("overall__isnull", False), _connector="OR"),
                        name="reviews_rating_or_no_show",
                        violation_error_message="Give overall stars, or report a no-show.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("overall__isnull", True),
                            models.Q(("overall__gte", 1), ("overall__lte", 5)),
                            _connector="OR",
                        ),
                        name="reviews_overall_1_to_5",
                        violation_error_message="Stars go from 1 to 5.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("performance__isnull", True),
                            models.Q(("performance__gte", 1), ("performance__lte", 5)),
                            _connector="OR",
                        ),
                        name="reviews_performance_1_to_5",
                        violation_error_message="Stars go from 1 to 5.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("punctuality__isnull", True),
                            models.Q(("punctuality__gte", 1), ("punctuality__lte", 5)),
                            _connector="OR",
                        ),
                        name="reviews_punctuality_1_to_5",
                        violation_error_message="Stars go from 1 to 5.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("communication__isnull", True),
                            models.Q(("communication__gte", 1), ("communication__lte", 5)),
                            _connector="OR",
                        ),
                        name="reviews_communication_1_to_5",
                        violation_error_message="Stars go from 1 to 5.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("sound__isnull", True), models.Q(("sound__gte", 1), ("sound__lte", 5)), _connector="OR"
                        ),
                        name="reviews_sound_1_to_5",
                        violation_error_message="Stars go from 1 to 5.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("hospitality__isnull", True),
                            models.Q(("hospitality__gte", 1), ("hospitality__lte", 5)),
                            _connector="OR",
                        ),
                        name="reviews_hospitality_1_to_5",
                        violation_error_message="Stars go from 1 to 5.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("paid__isnull", True), models.Q(("paid__gte", 1), ("paid__lte", 5)), _connector="OR"
                        ),
                        name="reviews_paid_1_to_5",
                        violation_error_message="Stars go from 1 to 5.",
                    ),
                ],
                "verbose_name": "review",
                "verbose_name_plural": "reviews",
            },
        ),
        migrations.CreateModel(
            name="ModerationLog",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("hide", "Hidden"),
                            ("restore", "Restored"),
                            ("no_show_confirm", "No-show confirmed"),
                            ("no_show_dismiss", "No-show dismissed"),
                            ("reports_dismiss", "Reports dismissed"),
                        ],
                        max_length=16,
                        verbose_name="action",
                    ),
                ),
                ("reason", models.CharField(blank=True, max_length=500, verbose_name="reason")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                (
                    "staff",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="staff",
                    ),
                ),
                (
                    "review",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="moderation",
                        to="reviews.review",
                        verbose_name="review",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
                "verbose_name": "moderation log",
                "verbose_name_plural": "moderation logs",
            },
        ),
        migrations.CreateModel(
            name="ReviewReport",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("reason", models.CharField(max_length=500, verbose_name="reason")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("resolved_at", models.DateTimeField(blank=True, null=True, verbose_name="resolved at")),
                (
                    "reporter",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="reporter",
                    ),
                ),
                (
                    "review",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reports",
                        to="reviews.review",
                        verbose_name="review",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
                "indexes": [
                    models.Index(
                        condition=models.Q(("resolved_at__isnull", True)),
                        fields=["created_at"],
                        name="reviews_reports_open",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("review", "reporter"),
                        name="reviews_one_report_per_person",
                        violation_error_message="You have reported this review already.",
                    )
                ],
                "verbose_name": "review report",
                "verbose_name_plural": "review reports",
            },
        ),
    ]
