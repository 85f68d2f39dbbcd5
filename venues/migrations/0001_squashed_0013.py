"""The venues migrations 0001–0013 in one, so that a new database (each test run's too) migrates fast.

Written from the end state of the old chain (docs/decisions/0049-squashed-migrations.md); `replaces`
lets a database that applied the old migrations go on with this one, and the old files stay until
every database has recorded it. Builds the same tables, indexes, constraints and triggers as the old
chain on SQLite and PostgreSQL.

Keeps the trigram search indexes (0002). Left out, being data only: 0005's check for existing
overlapping slots (the exclusion constraint itself stays) and 0010 (matches existing venues to cities).
"""

import datetime

import django.contrib.postgres.fields.ranges
import django.contrib.postgres.operations
import django.core.validators
import django.db.models.deletion
import django.db.models.expressions
import django_countries.fields
from django.conf import settings
from django.db import migrations, models

import core.fields.timezones
import bands.links
import bands.models
import venues.constraints
import venues.models

# From 0002_search_indexes: trigram indexes behind the venue search (PostgreSQL only), as bands' own;
# the pg_trgm extension comes from the bands migrations.

SEARCH_INDEXES = [
    ("venues_venue_search_trgm", "venues_venue", """"name" || ' ' || "city" || ' ' || "description\""""),
    ("venues_venue_name_trgm", "venues_venue", '"name"'),
    ("venues_venue_city_trgm", "venues_venue", '"city"'),
    ("venues_venue_region_trgm", "venues_venue", '"region"'),
]


def create_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, expression in SEARCH_INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ((UPPER(({expression})::text)) gin_trgm_ops)'
        )


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in SEARCH_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    replaces = [
        ("venues", "0001_initial"),
        ("venues", "0002_search_indexes"),
        ("venues", "0003_slot"),
        ("venues", "0004_slot_sequence"),
        ("venues", "0005_one_show_per_stage"),
        ("venues", "0006_slot_ticket_link_validator"),
        ("venues", "0007_venue_ratings"),
        ("venues", "0008_shows"),
        ("venues", "0009_places"),
        ("venues", "0010_venue_place_match"),
        ("venues", "0011_verbose_names_for_translation"),
        ("venues", "0012_names_for_translation"),
        ("venues", "0013_venuestaff_group_id"),
    ]

    dependencies = [
        ("accounts", "__first__"),
        ("bands", "0017_names_for_translation"),
        ("places", "0004_verbose_names"),
    ]

    operations = [
        django.contrib.postgres.operations.BtreeGistExtension(),
        migrations.CreateModel(
            name="Venue",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "website",
                    models.URLField(
                        blank=True,
                        max_length=300,
                        validators=[bands.links.LinkValidator("website")],
                        verbose_name="website",
                    ),
                ),
                (
                    "instagram",
                    models.URLField(
                        blank=True,
                        max_length=300,
                        validators=[bands.links.LinkValidator("instagram")],
                        verbose_name="Instagram",
                    ),
                ),
                (
                    "facebook",
                    models.URLField(
                        blank=True,
                        max_length=300,
                        validators=[bands.links.LinkValidator("facebook")],
                        verbose_name="Facebook",
                    ),
                ),
                (
                    "tiktok",
                    models.URLField(
                        blank=True,
                        max_length=300,
                        validators=[bands.links.LinkValidator("tiktok")],
                        verbose_name="TikTok",
                    ),
                ),
                (
                    "youtube",
                    models.URLField(
                        blank=True,
                        max_length=300,
                        validators=[bands.links.LinkValidator("youtube")],
                        verbose_name="YouTube",
                    ),
                ),
                (
                    "spotify",
                    models.URLField(
                        blank=True,
                        max_length=300,
                        validators=[bands.links.LinkValidator("spotify")],
                        verbose_name="Spotify",
                    ),
                ),
                (
                    "bandcamp",
                    models.URLField(
                        blank=True,
                        max_length=300,
                        validators=[bands.links.LinkValidator("bandcamp")],
                        verbose_name="Bandcamp",
                    ),
                ),
                (
                    "soundcloud",
                    models.URLField(
                        blank=True,
                        max_length=300,
                        validators=[bands.links.LinkValidator("soundcloud")],
                        verbose_name="SoundCloud",
                    ),
                ),
                ("name", models.CharField(max_length=120, verbose_name="name")),
                (
                    "slug",
                    models.SlugField(
                        help_text="Your address on StageSlot: /venues/<slug>/",
                        max_length=120,
                        unique=True,
                        verbose_name="slug",
                    ),
                ),
                (
                    "description",
                    models.TextField(
                        blank=True,
                        help_text="Plain text; blank lines start new paragraphs.",
                        max_length=5000,
                        verbose_name="description",
                    ),
                ),
                ("address", models.CharField(blank=True, max_length=200, verbose_name="address")),
                ("postcode", models.CharField(blank=True, max_length=20, verbose_name="postcode")),
                ("city", models.CharField(blank=True, max_length=80, verbose_name="city")),
                ("region", models.CharField(blank=True, max_length=80, verbose_name="region")),
                ("country", django_countries.fields.CountryField(blank=True, max_length=2, verbose_name="country")),
                (
                    "time_zone",
                    models.CharField(
                        default="UTC",
                        max_length=64,
                        validators=[core.fields.timezones.validate_time_zone],
                        verbose_name="time zone",
                    ),
                ),
                (
                    "capacity",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="Standing capacity of the largest room.",
                        null=True,
                        verbose_name="capacity",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Awaiting approval"),
                            ("approved", "Approved"),
                            ("suspended", "Suspended"),
                        ],
                        default="pending",
                        max_length=12,
                        verbose_name="status",
                    ),
                ),
                ("status_reason", models.CharField(blank=True, max_length=300, verbose_name="status reason")),
                ("status_changed_at", models.DateTimeField(blank=True, null=True, verbose_name="status changed at")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "genres",
                    models.ManyToManyField(blank=True, related_name="venues", to="bands.genre", verbose_name="genres"),
                ),
                (
                    "rating_again_count",
                    models.PositiveIntegerField(default=0, editable=False, verbose_name="would book again"),
                ),
                (
                    "rating_average",
                    models.FloatField(blank=True, editable=False, null=True, verbose_name="average stars"),
                ),
                ("rating_count", models.PositiveIntegerField(default=0, editable=False, verbose_name="reviews")),
                (
                    "rating_details",
                    models.JSONField(blank=True, default=dict, editable=False, verbose_name="rating details"),
                ),
                ("rating_score", models.FloatField(default=0, editable=False, verbose_name="rating score")),
                (
                    "exact_point",
                    models.BooleanField(
                        default=False,
                        help_text="On: the point was set on the map. Off: it is the city's.",
                        verbose_name="exact point",
                    ),
                ),
                (
                    "latitude",
                    models.FloatField(
                        blank=True,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(-90),
                            django.core.validators.MaxValueValidator(90),
                        ],
                        verbose_name="latitude",
                    ),
                ),
                (
                    "longitude",
                    models.FloatField(
                        blank=True,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(-180),
                            django.core.validators.MaxValueValidator(180),
                        ],
                        verbose_name="longitude",
                    ),
                ),
                (
                    "place",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="places.city",
                        verbose_name="place",
                    ),
                ),
            ],
            options={
                "ordering": ["name"],
                "indexes": [
                    models.Index(fields=["status", "name"], name="venues_venu_status_6fbe3a_idx"),
                    models.Index(fields=["status", "-created_at"], name="venues_venu_status_e11746_idx"),
                    models.Index(fields=["status", "country", "city"], name="venues_venu_status_96051d_idx"),
                    models.Index(fields=["status", "capacity"], name="venues_venu_status_bbc519_idx"),
                    models.Index(fields=["status", "-rating_score", "name", "id"], name="venues_venue_rating_score"),
                    models.Index(fields=["latitude", "longitude"], name="venues_venue_point"),
                ],
                "verbose_name": "venue",
                "verbose_name_plural": "venues",
            },
        ),
        migrations.CreateModel(
            name="VenuePhoto",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("image", models.ImageField(upload_to=venues.models.venue_photo_path, verbose_name="image")),
                (
                    "caption",
                    models.CharField(
                        blank=True,
                        help_text="Describe the photo for people who cannot see it.",
                        max_length=200,
                        verbose_name="caption",
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(default=0, verbose_name="position")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                (
                    "venue",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="photos",
                        to="venues.venue",
                        verbose_name="venue",
                    ),
                ),
            ],
            options={
                "ordering": ["venue", "position", "id"],
                "verbose_name": "venue photo",
                "verbose_name_plural": "venue photos",
            },
        ),
        migrations.CreateModel(
            name="VenueStaff",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "role",
                    models.CharField(
                        choices=[("owner", "Owner"), ("booker", "Booker")],
                        default="booker",
                        max_length=10,
                        verbose_name="role",
                    ),
                ),
                ("joined_at", models.DateTimeField(auto_now_add=True, verbose_name="joined at")),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="venue_roles",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
                (
                    "venue",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="staff_roles",
                        to="venues.venue",
                        verbose_name="venue",
                    ),
                ),
                (
                    "group_id",
                    models.PositiveBigIntegerField(
                        blank=True, editable=False, null=True, verbose_name="through the group"
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "venue staff",
                "ordering": ["venue", "joined_at"],
                "constraints": [models.UniqueConstraint(fields=("venue", "user"), name="venues_staff_unique")],
                "verbose_name": "venue staff",
            },
        ),
        migrations.CreateModel(
            name="Stage",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=80, verbose_name="name")),
                ("capacity", models.PositiveIntegerField(blank=True, null=True, verbose_name="capacity")),
                (
                    "notes",
                    models.CharField(blank=True, help_text="Size, PA, backline.", max_length=300, verbose_name="notes"),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                (
                    "venue",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="stages",
                        to="venues.venue",
                        verbose_name="venue",
                    ),
                ),
            ],
            options={
                "ordering": ["venue", "id"],
                "constraints": [models.UniqueConstraint(fields=("venue", "name"), name="venues_stage_name_unique")],
                "verbose_name": "stage",
                "verbose_name_plural": "stages",
            },
        ),
        migrations.CreateModel(
            name="VenueInvite",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "token",
                    models.CharField(
                        default=bands.models.new_invite_token,
                        editable=False,
                        max_length=64,
                        unique=True,
                        verbose_name="token",
                    ),
                ),
                (
                    "email",
                    models.EmailField(
                        blank=True, help_text="Who it was emailed to, if anyone.", max_length=254, verbose_name="email"
                    ),
                ),
                (
                    "max_uses",
                    models.PositiveSmallIntegerField(
                        default=1,
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(100),
                        ],
                        verbose_name="max uses",
                    ),
                ),
                ("uses", models.PositiveSmallIntegerField(default=0, verbose_name="uses")),
                ("expires_at", models.DateTimeField(verbose_name="expires at")),
                ("revoked_at", models.DateTimeField(blank=True, null=True, verbose_name="revoked at")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                (
                    "role",
                    models.CharField(
                        choices=[("owner", "Owner"), ("booker", "Booker")],
                        default="booker",
                        max_length=10,
                        verbose_name="role",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="created by",
                    ),
                ),
                (
                    "venue",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="invites",
                        to="venues.venue",
                        verbose_name="venue",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("uses__lte", models.F("max_uses"))), name="venues_invite_uses_within_max"
                    )
                ],
                "verbose_name": "venue invite",
                "verbose_name_plural": "venue invites",
            },
        ),
        migrations.CreateModel(
            name="Slot",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("starts_at", models.DateTimeField(verbose_name="starts at")),
                ("ends_at", models.DateTimeField(verbose_name="ends at")),
                (
                    "title",
                    models.CharField(
                        blank=True,
                        help_text="e.g. “Friday Night Indie”. Optional.",
                        max_length=120,
                        verbose_name="title",
                    ),
                ),
                (
                    "fee",
                    models.PositiveIntegerField(
                        blank=True, help_text="Leave empty for negotiable.", null=True, verbose_name="fee offered"
                    ),
                ),
                (
                    "currency",
                    models.CharField(
                        choices=[
                            ("EUR", "EUR – Euro"),
                            ("GBP", "GBP – Pound sterling"),
                            ("USD", "USD – US dollar"),
                            ("CHF", "CHF – Swiss franc"),
                            ("DKK", "DKK – Danish krone"),
                            ("SEK", "SEK – Swedish krona"),
                            ("NOK", "NOK – Norwegian krone"),
                            ("PLN", "PLN – Polish złoty"),
                            ("CZK", "CZK – Czech koruna"),
                            ("CAD", "CAD – Canadian dollar"),
                            ("AUD", "AUD – Australian dollar"),
                        ],
                        default="EUR",
                        max_length=3,
                        verbose_name="currency",
                    ),
                ),
                (
                    "support_places",
                    models.PositiveSmallIntegerField(
                        default=0,
                        help_text="How many support acts play besides the headliner (0–6).",
                        validators=[django.core.validators.MaxValueValidator(6)],
                        verbose_name="support acts",
                    ),
                ),
                (
                    "visibility",
                    models.CharField(
                        choices=[
                            ("public", "Public – bands can apply"),
                            ("invite", "Invite only – you offer it to bands"),
                        ],
                        default="public",
                        max_length=10,
                        verbose_name="visibility",
                    ),
                ),
                (
                    "ticket_url",
                    models.URLField(
                        blank=True,
                        max_length=300,
                        validators=[bands.links.LinkValidator("ticket")],
                        verbose_name="ticket link",
                    ),
                ),
                (
                    "notes",
                    models.TextField(
                        blank=True,
                        help_text="Load-in, backline, door deal… Bands see this.",
                        max_length=2000,
                        verbose_name="notes",
                    ),
                ),
                (
                    "headliner_booked",
                    models.PositiveSmallIntegerField(default=0, editable=False, verbose_name="headliner booked"),
                ),
                (
                    "supports_booked",
                    models.PositiveSmallIntegerField(default=0, editable=False, verbose_name="supports booked"),
                ),
                (
                    "cancelled_at",
                    models.DateTimeField(blank=True, editable=False, null=True, verbose_name="cancelled at"),
                ),
                (
                    "cancel_reason",
                    models.CharField(blank=True, editable=False, max_length=300, verbose_name="cancel reason"),
                ),
                (
                    "series",
                    models.UUIDField(
                        blank=True,
                        editable=False,
                        help_text="Slots created together in bulk.",
                        null=True,
                        verbose_name="series",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "created_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="created by",
                    ),
                ),
                (
                    "genres",
                    models.ManyToManyField(
                        blank=True, related_name="slots", to="bands.genre", verbose_name="genres wanted"
                    ),
                ),
                (
                    "stage",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="slots",
                        to="venues.stage",
                        verbose_name="stage",
                    ),
                ),
                (
                    "venue",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="slots",
                        to="venues.venue",
                        verbose_name="venue",
                    ),
                ),
                ("sequence", models.PositiveIntegerField(default=0, editable=False, verbose_name="sequence")),
                ("curfew_at", models.DateTimeField(blank=True, null=True, verbose_name="curfew at")),
                ("doors_at", models.DateTimeField(blank=True, null=True, verbose_name="doors at")),
                (
                    "entry",
                    models.CharField(
                        choices=[("tickets", "Tickets"), ("free", "Free entry"), ("door", "Pay at the door")],
                        db_default="tickets",
                        default="tickets",
                        max_length=10,
                        verbose_name="entry",
                    ),
                ),
                (
                    "host_band",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="hosted_shows",
                        to="bands.band",
                        verbose_name="host band",
                    ),
                ),
                ("place_address", models.CharField(blank=True, db_default="", max_length=200, verbose_name="address")),
                ("place_city", models.CharField(blank=True, db_default="", max_length=80, verbose_name="city")),
                (
                    "place_name",
                    models.CharField(
                        blank=True,
                        db_default="",
                        help_text="e.g. “Anna’s living room”.",
                        max_length=120,
                        verbose_name="place",
                    ),
                ),
                (
                    "place_venue",
                    models.ForeignKey(
                        blank=True,
                        help_text="Where the show is, if the place is on StageSlot.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="venues.venue",
                        verbose_name="venue on StageSlot",
                    ),
                ),
                ("sold_out", models.BooleanField(db_default=False, default=False, verbose_name="sold out")),
                (
                    "support_pick_asked_at",
                    models.DateTimeField(blank=True, editable=False, null=True, verbose_name="support pick asked at"),
                ),
                (
                    "support_picker",
                    models.CharField(
                        choices=[
                            ("venue", "The venue picks the support acts"),
                            ("headliner", "The headliner picks the support acts"),
                        ],
                        db_default="venue",
                        default="venue",
                        max_length=10,
                        verbose_name="support picker",
                    ),
                ),
                (
                    "support_terms",
                    models.CharField(
                        blank=True,
                        db_default="",
                        help_text="If there is no fixed fee, in words: e.g. “door split 70/30 after costs”.",
                        max_length=200,
                        verbose_name="deal for support acts",
                    ),
                ),
                (
                    "time_zone",
                    models.CharField(
                        blank=True,
                        db_default="",
                        max_length=64,
                        validators=[core.fields.timezones.validate_time_zone],
                        verbose_name="time zone",
                    ),
                ),
                ("latitude", models.FloatField(blank=True, editable=False, null=True, verbose_name="latitude")),
                ("longitude", models.FloatField(blank=True, editable=False, null=True, verbose_name="longitude")),
                (
                    "place",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="places.city",
                        verbose_name="place",
                    ),
                ),
            ],
            options={
                "ordering": ["starts_at", "id"],
                "indexes": [
                    models.Index(fields=["venue", "starts_at"], name="venues_slot_venue_i_1bfd97_idx"),
                    models.Index(
                        condition=models.Q(("cancelled_at__isnull", True), ("visibility", "public")),
                        fields=["starts_at"],
                        name="venues_slot_open_starts",
                    ),
                    models.Index(fields=["host_band", "starts_at"], name="venues_slot_host_ba_e753f9_idx"),
                    models.Index(
                        condition=models.Q(("cancelled_at__isnull", True), ("visibility", "public")),
                        fields=["latitude", "longitude", "starts_at"],
                        name="venues_slot_open_point",
                    ),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("starts_at__lt", models.F("ends_at"))),
                        name="venues_slot_ends_after_start",
                        violation_error_message="The end must be after the start.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            (
                                "ends_at__lte",
                                django.db.models.expressions.CombinedExpression(
                                    models.F("starts_at"), "+", models.Value(datetime.timedelta(days=1))
                                ),
                            )
                        ),
                        name="venues_slot_at_most_24h",
                        violation_error_message="A slot can be at most 24 hours long.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("support_places__lte", 6)),
                        name="venues_slot_support_places_max",
                        violation_error_message="A slot can have at most 6 support acts.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("headliner_booked__lte", 1)),
                        name="venues_slot_one_headliner",
                        violation_error_message="A slot has one headliner.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("supports_booked__lte", models.F("support_places"))),
                        name="venues_slot_supports_within_places",
                        violation_error_message="Every support place of this slot is taken.",
                    ),
                    venues.constraints.PostgresExclusionConstraint(
                        condition=models.Q(("cancelled_at__isnull", True)),
                        expressions=[
                            ("stage", "="),
                            (
                                venues.constraints.TsTzRange(
                                    "starts_at", "ends_at", django.contrib.postgres.fields.ranges.RangeBoundary()
                                ),
                                "&&",
                            ),
                        ],
                        name="venues_one_show_per_stage",
                        violation_error_message="This stage already has a slot at an overlapping time.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("host_band__isnull", True), ("stage__isnull", False), ("venue__isnull", False)),
                            models.Q(
                                ("host_band__isnull", False),
                                ("stage__isnull", True),
                                ("support_picker", "headliner"),
                                ("venue__isnull", True),
                            ),
                            _connector="OR",
                        ),
                        name="venues_slot_venue_or_host",
                        violation_error_message="A show is either a venue's slot on a stage or a show a band hosts.",
                    ),
                ],
                "verbose_name": "slot",
                "verbose_name_plural": "slots",
            },
        ),
        migrations.CreateModel(
            name="Ticket",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "label",
                    models.CharField(
                        help_text="e.g. “Early bird” or the provider’s name.", max_length=60, verbose_name="label"
                    ),
                ),
                (
                    "url",
                    models.URLField(
                        max_length=300, validators=[bands.links.LinkValidator("ticket")], verbose_name="ticket link"
                    ),
                ),
                (
                    "price_min",
                    models.DecimalField(
                        blank=True, decimal_places=2, max_digits=7, null=True, verbose_name="price min"
                    ),
                ),
                (
                    "price_max",
                    models.DecimalField(
                        blank=True, decimal_places=2, max_digits=7, null=True, verbose_name="price max"
                    ),
                ),
                (
                    "currency",
                    models.CharField(
                        choices=[
                            ("EUR", "EUR – Euro"),
                            ("GBP", "GBP – Pound sterling"),
                            ("USD", "USD – US dollar"),
                            ("CHF", "CHF – Swiss franc"),
                            ("DKK", "DKK – Danish krone"),
                            ("SEK", "SEK – Swedish krona"),
                            ("NOK", "NOK – Norwegian krone"),
                            ("PLN", "PLN – Polish złoty"),
                            ("CZK", "CZK – Czech koruna"),
                            ("CAD", "CAD – Canadian dollar"),
                            ("AUD", "AUD – Australian dollar"),
                        ],
                        default="EUR",
                        max_length=3,
                        verbose_name="currency",
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(default=0, verbose_name="position")),
                (
                    "slot",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tickets",
                        to="venues.slot",
                        verbose_name="slot",
                    ),
                ),
            ],
            options={
                "ordering": ["slot", "position", "id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("price_min__isnull", True),
                            ("price_max__isnull", True),
                            ("price_min__lte", models.F("price_max")),
                            _connector="OR",
                        ),
                        name="venues_ticket_price_range",
                        violation_error_message="The lowest price must not be above the highest.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("price_min__isnull", True), ("price_min__gte", 0), _connector="OR"),
                        name="venues_ticket_price_not_negative",
                        violation_error_message="A price cannot be negative.",
                    ),
                ],
                "verbose_name": "ticket",
                "verbose_name_plural": "tickets",
            },
        ),
        migrations.AddField(
            model_name="venue",
            name="staff",
            field=models.ManyToManyField(
                related_name="venues", through="venues.VenueStaff", to=settings.AUTH_USER_MODEL, verbose_name="staff"
            ),
        ),
        migrations.RunPython(create_search_indexes, drop_search_indexes),
    ]
