"""The gigs migrations 0001–0002 in one, so that a new database (each test run's too) migrates fast.

Written from the end state of the old chain (docs/decisions/0049-squashed-migrations.md); `replaces`
lets a database that applied the old migrations go on with this one, and the old files stay until
every database has recorded it. Builds the same tables, indexes, constraints and triggers as the old
chain on SQLite and PostgreSQL.
"""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import gigs.models


class Migration(migrations.Migration):
    replaces = [("gigs", "0001_initial"), ("gigs", "0002_line_ups_stand_ins_set_lists")]

    dependencies = [
        ("accounts", "__first__"),
        ("bands", "0019_rsvp_reminder_lineup"),
        ("bookings", "0017_bookingfile_deliverable"),
    ]

    operations = [
        migrations.CreateModel(
            name="AdvanceItem",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "item",
                    models.CharField(
                        choices=[
                            ("address", "Address"),
                            ("contacts", "Contacts"),
                            ("load_in", "Load-in"),
                            ("soundcheck", "Soundcheck"),
                            ("doors", "Doors"),
                            ("set_times", "Set times"),
                            ("running_order", "Running order"),
                            ("backline", "Backline"),
                            ("hospitality", "Hospitality"),
                            ("accommodation", "Accommodation"),
                            ("parking", "Parking"),
                            ("payment_terms", "Payment terms"),
                            ("files", "Files"),
                        ],
                        max_length=16,
                        verbose_name="item",
                    ),
                ),
                ("advanced_at", models.DateTimeField(blank=True, null=True, verbose_name="advanced at")),
                ("note", models.CharField(blank=True, max_length=300, verbose_name="note")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "advanced_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="advanced by",
                    ),
                ),
                (
                    "booking",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="advance_items",
                        to="bookings.booking",
                        verbose_name="booking",
                    ),
                ),
            ],
            options={
                "verbose_name": "advance item",
                "verbose_name_plural": "advance items",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("booking", "item"),
                        name="gigs_advance_item_once_per_booking",
                        violation_error_message="This item is already on the gig's checklist.",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="DaySheet",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("venue_contact_name", models.CharField(blank=True, max_length=120, verbose_name="venue contact")),
                (
                    "venue_contact_phone",
                    models.CharField(blank=True, max_length=40, verbose_name="venue contact's phone"),
                ),
                (
                    "venue_contact_email",
                    models.EmailField(blank=True, max_length=254, verbose_name="venue contact's email"),
                ),
                ("band_contact_name", models.CharField(blank=True, max_length=120, verbose_name="band contact")),
                (
                    "band_contact_phone",
                    models.CharField(blank=True, max_length=40, verbose_name="band contact's phone"),
                ),
                (
                    "band_contact_email",
                    models.EmailField(blank=True, max_length=254, verbose_name="band contact's email"),
                ),
                ("load_in_at", models.DateTimeField(blank=True, null=True, verbose_name="load-in")),
                ("soundcheck_at", models.DateTimeField(blank=True, null=True, verbose_name="soundcheck")),
                ("doors_at", models.DateTimeField(blank=True, null=True, verbose_name="doors")),
                ("curfew_at", models.DateTimeField(blank=True, null=True, verbose_name="curfew")),
                ("backline", models.TextField(blank=True, max_length=2000, verbose_name="backline")),
                ("hospitality", models.TextField(blank=True, max_length=2000, verbose_name="hospitality")),
                ("accommodation", models.TextField(blank=True, max_length=2000, verbose_name="accommodation")),
                ("parking", models.TextField(blank=True, max_length=2000, verbose_name="parking")),
                ("notes", models.TextField(blank=True, max_length=4000, verbose_name="notes")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                (
                    "booking",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="day_sheet",
                        to="bookings.booking",
                        verbose_name="booking",
                    ),
                ),
                (
                    "updated_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="updated by",
                    ),
                ),
            ],
            options={
                "verbose_name": "day sheet",
                "verbose_name_plural": "day sheets",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("soundcheck_at__isnull", True),
                            ("load_in_at__isnull", True),
                            ("soundcheck_at__gte", models.F("load_in_at")),
                            _connector="OR",
                        ),
                        name="gigs_daysheet_soundcheck_after_load_in",
                        violation_error_message="The soundcheck comes after the load-in.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("curfew_at__isnull", True),
                            ("doors_at__isnull", True),
                            ("curfew_at__gt", models.F("doors_at")),
                            _connector="OR",
                        ),
                        name="gigs_daysheet_curfew_after_doors",
                        violation_error_message="The curfew comes after the doors open.",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="SetList",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("notes", models.TextField(blank=True, max_length=2000, verbose_name="notes")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "booking",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="set_list",
                        to="bookings.booking",
                        verbose_name="gig",
                    ),
                ),
                (
                    "updated_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="updated by",
                    ),
                ),
            ],
            options={
                "verbose_name": "set list",
                "verbose_name_plural": "set lists",
            },
        ),
        migrations.CreateModel(
            name="Song",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=200, verbose_name="title")),
                (
                    "key",
                    models.CharField(
                        blank=True, help_text="For example A minor or F#.", max_length=12, verbose_name="key"
                    ),
                ),
                (
                    "length_seconds",
                    models.PositiveIntegerField(
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(10800),
                        ],
                        verbose_name="length (seconds)",
                    ),
                ),
                ("notes", models.TextField(blank=True, max_length=2000, verbose_name="notes")),
                (
                    "links",
                    models.TextField(
                        blank=True, help_text="One address a line.", max_length=2000, verbose_name="links"
                    ),
                ),
                ("archived_at", models.DateTimeField(blank=True, null=True, verbose_name="archived at")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="added at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "band",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="songs",
                        to="bands.band",
                        verbose_name="band",
                    ),
                ),
            ],
            options={
                "verbose_name": "song",
                "verbose_name_plural": "songs",
                "ordering": ["band", "title", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("band", "title"),
                        name="gigs_song_title_once",
                        violation_error_message="The band has a song of this title already.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("length_seconds__gte", 1), ("length_seconds__lte", 10800)),
                        name="gigs_song_length_range",
                        violation_error_message="A song lasts from one second to three hours.",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="SetListEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "set_number",
                    models.PositiveSmallIntegerField(
                        default=1,
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(9),
                        ],
                        verbose_name="set",
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(verbose_name="position")),
                ("note", models.CharField(blank=True, max_length=200, verbose_name="note")),
                (
                    "set_list",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="entries",
                        to="gigs.setlist",
                        verbose_name="set list",
                    ),
                ),
                (
                    "song",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="gigs.song",
                        verbose_name="song",
                    ),
                ),
            ],
            options={
                "verbose_name": "set list entry",
                "verbose_name_plural": "set list entries",
                "ordering": ["set_list", "position"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("set_list", "position"),
                        name="gigs_set_list_position_once",
                        violation_error_message="Two songs cannot share a place in the set list.",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="StandIn",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=120, verbose_name="name")),
                ("email", models.EmailField(max_length=254, verbose_name="email")),
                ("instrument", models.CharField(max_length=60, verbose_name="instrument")),
                ("notes", models.CharField(blank=True, max_length=300, verbose_name="notes")),
                (
                    "token",
                    models.CharField(
                        default=gigs.models.new_stand_in_token,
                        editable=False,
                        max_length=64,
                        unique=True,
                        verbose_name="token",
                    ),
                ),
                ("archived_at", models.DateTimeField(blank=True, null=True, verbose_name="removed at")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="added at")),
                (
                    "band",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="stand_ins",
                        to="bands.band",
                        verbose_name="band",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="added by",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="stand_in_for",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="account",
                    ),
                ),
            ],
            options={
                "verbose_name": "stand-in",
                "verbose_name_plural": "stand-ins",
                "ordering": ["band", "instrument", "name", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("band", "email", "instrument"),
                        name="gigs_stand_in_once_per_instrument",
                        violation_error_message="This musician is already in the pool for this instrument.",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="GigAnswer",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("instrument", models.CharField(blank=True, max_length=60, verbose_name="instrument")),
                ("required", models.BooleanField(default=True, verbose_name="required")),
                (
                    "answer",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("definitely", "Definitely"),
                            ("probably", "Probably"),
                            ("dont_know", "Don't know"),
                            ("probably_not", "Probably not"),
                            ("cant", "Can't"),
                        ],
                        max_length=16,
                        verbose_name="answer",
                    ),
                ),
                ("comment", models.CharField(blank=True, max_length=300, verbose_name="comment")),
                ("answered_at", models.DateTimeField(blank=True, null=True, verbose_name="answered at")),
                ("reminded_at", models.DateTimeField(blank=True, null=True, verbose_name="reminded at")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="asked at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "booking",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="answers",
                        to="bookings.booking",
                        verbose_name="gig",
                    ),
                ),
                (
                    "member",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="gig_answers",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="member",
                    ),
                ),
                (
                    "stand_in",
                    models.ForeignKey(
                        blank=True,
                        help_text="The stand-in who took this place.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="places",
                        to="gigs.standin",
                        verbose_name="stand-in",
                    ),
                ),
            ],
            options={
                "verbose_name": "answer",
                "verbose_name_plural": "answers",
                "indexes": [models.Index(fields=["member", "booking"], name="gigs_answer_member_idx")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("booking", "member"),
                        name="gigs_answer_once_per_member",
                        violation_error_message="This member already has a place in the gig's line-up.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("answer", ""), ("answered_at__isnull", False), _connector="OR"),
                        name="gigs_answer_has_moment",
                        violation_error_message="An answer has the moment it was given.",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="StandInRequest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("message", models.CharField(blank=True, max_length=500, verbose_name="message")),
                ("filled_at", models.DateTimeField(blank=True, null=True, verbose_name="filled at")),
                (
                    "closed_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="Withdrawn, or the gig was cancelled.",
                        null=True,
                        verbose_name="closed at",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="asked at")),
                (
                    "booking",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="stand_in_requests",
                        to="bookings.booking",
                        verbose_name="gig",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="asked by",
                    ),
                ),
                (
                    "filled_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="gigs.standin",
                        verbose_name="filled by",
                    ),
                ),
                (
                    "place",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="stand_in_requests",
                        to="gigs.giganswer",
                        verbose_name="place",
                    ),
                ),
            ],
            options={
                "verbose_name": "stand-in request",
                "verbose_name_plural": "stand-in requests",
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("filled_by__isnull", False)),
                        fields=("place",),
                        name="gigs_stand_in_request_one_filled",
                        violation_error_message="This place is filled already.",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="StandInAsk",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "token",
                    models.CharField(
                        default=gigs.models.new_stand_in_token,
                        editable=False,
                        max_length=64,
                        unique=True,
                        verbose_name="token",
                    ),
                ),
                (
                    "reply",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("", "Not answered"),
                            ("yes", "Yes, I play"),
                            ("no", "No"),
                            ("filled", "Someone else took the place"),
                            ("closed", "No longer needed"),
                        ],
                        default="",
                        max_length=8,
                        verbose_name="reply",
                    ),
                ),
                ("replied_at", models.DateTimeField(blank=True, null=True, verbose_name="replied at")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="asked at")),
                (
                    "stand_in",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="asks",
                        to="gigs.standin",
                        verbose_name="stand-in",
                    ),
                ),
                (
                    "request",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="asks",
                        to="gigs.standinrequest",
                        verbose_name="request",
                    ),
                ),
            ],
            options={
                "verbose_name": "stand-in ask",
                "verbose_name_plural": "stand-in asks",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("request", "stand_in"),
                        name="gigs_stand_in_ask_once",
                        violation_error_message="This stand-in is asked already.",
                    )
                ],
            },
        ),
    ]
