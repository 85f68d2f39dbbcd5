"""The bookings migrations 0001–0018 in one, so that a new database (each test run's too) migrates fast.

Written from the end state of the old chain (docs/decisions/0049-squashed-migrations.md); `replaces`
lets a database that applied the old migrations go on with this one, and the old files stay until
every database has recorded it. Builds the same tables, indexes, constraints and triggers as the old
chain on SQLite and PostgreSQL.

Keeps the feed-mark triggers (0012) and the two columns added by plain ALTER TABLE (0015, 0017).
Left out, being data only: 0010 (points of existing bookings).
"""

import uuid

import django.contrib.postgres.fields.ranges
import django.contrib.postgres.operations
import django.db.models.deletion
import django.db.models.functions.datetime
from django.conf import settings
from django.db import migrations, models

import bookings.models
import venues.constraints

# From 0012_feed_marks: triggers note each change to what calendar feeds show (bookings.models.FeedMark),
# whatever wrote. On SQLite a later rebuild of one of these tables would drop its triggers, which
# bookings/tests/test_feed_marks.py would notice.

POSTGRES_TRIGGERS = """
CREATE FUNCTION bookings_feed_mark_slot(slot bigint) RETURNS void LANGUAGE sql AS $$
    INSERT INTO bookings_feedmark (venue_id) SELECT venue_id FROM venues_slot WHERE id = slot AND venue_id IS NOT NULL;
    INSERT INTO bookings_feedmark (band_id) SELECT DISTINCT band_id FROM bookings_booking WHERE slot_id = slot;
$$;

CREATE FUNCTION bookings_feed_mark_booking() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO bookings_feedmark (band_id, venue_id) VALUES (OLD.band_id, OLD.venue_id);
        IF OLD.slot_id IS NOT NULL THEN
            PERFORM bookings_feed_mark_slot(OLD.slot_id);
        END IF;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND (OLD.band_id IS DISTINCT FROM NEW.band_id
            OR OLD.venue_id IS DISTINCT FROM NEW.venue_id OR OLD.slot_id IS DISTINCT FROM NEW.slot_id)) THEN
        INSERT INTO bookings_feedmark (band_id, venue_id) VALUES (NEW.band_id, NEW.venue_id);
        IF NEW.slot_id IS NOT NULL THEN
            PERFORM bookings_feed_mark_slot(NEW.slot_id);
        END IF;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER bookings_feed_mark_booking AFTER INSERT OR UPDATE OR DELETE ON bookings_booking
    FOR EACH ROW EXECUTE FUNCTION bookings_feed_mark_booking();

CREATE FUNCTION bookings_feed_mark_slot_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO bookings_feedmark (venue_id) SELECT OLD.venue_id WHERE OLD.venue_id IS NOT NULL;
        INSERT INTO bookings_feedmark (band_id) SELECT DISTINCT band_id FROM bookings_booking WHERE slot_id = OLD.id;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.venue_id IS NOT NULL THEN
        INSERT INTO bookings_feedmark (venue_id) VALUES (NEW.venue_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER bookings_feed_mark_slot AFTER INSERT OR UPDATE OR DELETE ON venues_slot
    FOR EACH ROW EXECUTE FUNCTION bookings_feed_mark_slot_row();

CREATE FUNCTION bookings_feed_mark_person() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO bookings_feedmark (user_id) VALUES (OLD.user_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO bookings_feedmark (user_id) VALUES (NEW.user_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER bookings_feed_mark_membership AFTER INSERT OR DELETE OR UPDATE OF band_id, user_id
    ON bands_membership FOR EACH ROW EXECUTE FUNCTION bookings_feed_mark_person();

CREATE FUNCTION bookings_feed_mark_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bookings_feedmark (user_id) VALUES (NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER bookings_feed_mark_user AFTER UPDATE OF display_name, email ON accounts_user FOR EACH ROW
    WHEN (OLD.display_name IS DISTINCT FROM NEW.display_name OR OLD.email IS DISTINCT FROM NEW.email)
    EXECUTE FUNCTION bookings_feed_mark_user();

CREATE FUNCTION bookings_feed_mark_everyone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bookings_feedmark (band_id) VALUES (NULL);
    RETURN NULL;
END $$;
CREATE TRIGGER bookings_feed_mark_band_name AFTER UPDATE OF name ON bands_band FOR EACH ROW
    WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION bookings_feed_mark_everyone();
CREATE TRIGGER bookings_feed_mark_stage_name AFTER UPDATE OF name ON venues_stage FOR EACH ROW
    WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION bookings_feed_mark_everyone();
CREATE TRIGGER bookings_feed_mark_venue_place AFTER UPDATE OF name, address, postcode, city, slug
    ON venues_venue FOR EACH ROW
    WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.address IS DISTINCT FROM NEW.address
        OR OLD.postcode IS DISTINCT FROM NEW.postcode OR OLD.city IS DISTINCT FROM NEW.city
        OR OLD.slug IS DISTINCT FROM NEW.slug)
    EXECUTE FUNCTION bookings_feed_mark_everyone();
"""

POSTGRES_DROP = """
DROP TRIGGER IF EXISTS bookings_feed_mark_booking ON bookings_booking;
DROP TRIGGER IF EXISTS bookings_feed_mark_slot ON venues_slot;
DROP TRIGGER IF EXISTS bookings_feed_mark_membership ON bands_membership;
DROP TRIGGER IF EXISTS bookings_feed_mark_user ON accounts_user;
DROP TRIGGER IF EXISTS bookings_feed_mark_band_name ON bands_band;
DROP TRIGGER IF EXISTS bookings_feed_mark_stage_name ON venues_stage;
DROP TRIGGER IF EXISTS bookings_feed_mark_venue_place ON venues_venue;
DROP FUNCTION IF EXISTS bookings_feed_mark_booking();
DROP FUNCTION IF EXISTS bookings_feed_mark_slot_row();
DROP FUNCTION IF EXISTS bookings_feed_mark_slot(bigint);
DROP FUNCTION IF EXISTS bookings_feed_mark_person();
DROP FUNCTION IF EXISTS bookings_feed_mark_user();
DROP FUNCTION IF EXISTS bookings_feed_mark_everyone();
"""


def _sqlite_booking_marks(row: str) -> str:
    return f"""
    INSERT INTO bookings_feedmark (band_id, venue_id) VALUES ({row}.band_id, {row}.venue_id);
    INSERT INTO bookings_feedmark (venue_id)
        SELECT venue_id FROM venues_slot WHERE id = {row}.slot_id AND venue_id IS NOT NULL;
    INSERT INTO bookings_feedmark (band_id) SELECT DISTINCT band_id FROM bookings_booking WHERE slot_id = {row}.slot_id;
"""


EVERYONE = "INSERT INTO bookings_feedmark (band_id) VALUES (NULL);"

SQLITE_TRIGGERS = {
    "bookings_feed_mark_booking_insert": "AFTER INSERT ON bookings_booking BEGIN"
    + _sqlite_booking_marks("NEW")
    + "END",
    "bookings_feed_mark_booking_update": "AFTER UPDATE ON bookings_booking BEGIN"
    + _sqlite_booking_marks("OLD")
    + _sqlite_booking_marks("NEW")
    + "END",
    "bookings_feed_mark_booking_delete": "AFTER DELETE ON bookings_booking BEGIN"
    + _sqlite_booking_marks("OLD")
    + "END",
    "bookings_feed_mark_slot_insert": "AFTER INSERT ON venues_slot WHEN NEW.venue_id IS NOT NULL BEGIN "
    "INSERT INTO bookings_feedmark (venue_id) VALUES (NEW.venue_id); END",
    "bookings_feed_mark_slot_update": "AFTER UPDATE ON venues_slot BEGIN "
    "INSERT INTO bookings_feedmark (venue_id) SELECT OLD.venue_id WHERE OLD.venue_id IS NOT NULL; "
    "INSERT INTO bookings_feedmark (venue_id) SELECT NEW.venue_id WHERE NEW.venue_id IS NOT NULL; "
    "INSERT INTO bookings_feedmark (band_id) SELECT DISTINCT band_id FROM bookings_booking WHERE slot_id = OLD.id; END",
    "bookings_feed_mark_slot_delete": "AFTER DELETE ON venues_slot BEGIN "
    "INSERT INTO bookings_feedmark (venue_id) SELECT OLD.venue_id WHERE OLD.venue_id IS NOT NULL; "
    "INSERT INTO bookings_feedmark (band_id) SELECT DISTINCT band_id FROM bookings_booking WHERE slot_id = OLD.id; END",
    "bookings_feed_mark_membership_insert": "AFTER INSERT ON bands_membership BEGIN "
    "INSERT INTO bookings_feedmark (user_id) VALUES (NEW.user_id); END",
    "bookings_feed_mark_membership_delete": "AFTER DELETE ON bands_membership BEGIN "
    "INSERT INTO bookings_feedmark (user_id) VALUES (OLD.user_id); END",
    "bookings_feed_mark_membership_update": "AFTER UPDATE OF band_id, user_id ON bands_membership BEGIN "
    "INSERT INTO bookings_feedmark (user_id) VALUES (OLD.user_id); "
    "INSERT INTO bookings_feedmark (user_id) VALUES (NEW.user_id); END",
    "bookings_feed_mark_user": "AFTER UPDATE OF display_name, email ON accounts_user "
    "WHEN OLD.display_name IS NOT NEW.display_name OR OLD.email IS NOT NEW.email BEGIN "
    "INSERT INTO bookings_feedmark (user_id) VALUES (NEW.id); END",
    "bookings_feed_mark_band_name": "AFTER UPDATE OF name ON bands_band WHEN OLD.name IS NOT NEW.name "
    f"BEGIN {EVERYONE} END",
    "bookings_feed_mark_stage_name": "AFTER UPDATE OF name ON venues_stage WHEN OLD.name IS NOT NEW.name "
    f"BEGIN {EVERYONE} END",
    "bookings_feed_mark_venue_place": "AFTER UPDATE OF name, address, postcode, city, slug ON venues_venue "
    "WHEN OLD.name IS NOT NEW.name OR OLD.address IS NOT NEW.address OR OLD.postcode IS NOT NEW.postcode "
    f"OR OLD.city IS NOT NEW.city OR OLD.slug IS NOT NEW.slug BEGIN {EVERYONE} END",
}


def create_feed_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_TRIGGERS)
    elif vendor == "sqlite":
        for name, body in SQLITE_TRIGGERS.items():
            schema_editor.execute(f'CREATE TRIGGER "{name}" {body}')
    else:
        raise NotImplementedError(f"bookings has no feed-mark triggers for {vendor}")


def drop_feed_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP)
    elif vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{name}"')


# From 0015_payments_fields and 0017_bookingfile_deliverable: columns added with plain ALTER TABLE … ADD
# COLUMN on both databases, since a rebuild of the table on SQLite would drop the feed-mark triggers.

PAID_MINOR_ADD = {
    "postgresql": 'ALTER TABLE "bookings_booking" ADD COLUMN "paid_minor" bigint DEFAULT 0 NOT NULL '
    'CHECK ("paid_minor" >= 0)',
    "sqlite": 'ALTER TABLE "bookings_booking" ADD COLUMN "paid_minor" bigint unsigned DEFAULT 0 NOT NULL '
    'CHECK ("paid_minor" >= 0)',
}

DELIVERABLE_ADD = {
    "postgresql": 'ALTER TABLE "bookings_bookingfile" ADD COLUMN "deliverable" varchar(12) DEFAULT \'\' NOT NULL',
    "sqlite": 'ALTER TABLE "bookings_bookingfile" ADD COLUMN "deliverable" varchar(12) DEFAULT \'\' NOT NULL',
}


def add_paid_minor(apps, schema_editor):
    schema_editor.execute(PAID_MINOR_ADD[schema_editor.connection.vendor])


def drop_paid_minor(apps, schema_editor):
    schema_editor.execute('ALTER TABLE "bookings_booking" DROP COLUMN "paid_minor"')


def add_deliverable(apps, schema_editor):
    schema_editor.execute(DELIVERABLE_ADD[schema_editor.connection.vendor])


def drop_deliverable(apps, schema_editor):
    schema_editor.execute('ALTER TABLE "bookings_bookingfile" DROP COLUMN "deliverable"')


class Migration(migrations.Migration):
    replaces = [
        ("bookings", "0001_initial"),
        ("bookings", "0002_threads_feeds_share_links"),
        ("bookings", "0003_feed_content_changed"),
        ("bookings", "0004_share_link_content_changed"),
        ("bookings", "0005_webhooks"),
        ("bookings", "0006_shows"),
        ("bookings", "0007_client_journey"),
        ("bookings", "0008_booking_stand_in_planned"),
        ("bookings", "0009_calendarfeed_inputs_hash"),
        ("bookings", "0010_gig_points"),
        ("bookings", "0011_saved_alerts_pause_and_saved_tours"),
        ("bookings", "0012_feed_marks"),
        ("bookings", "0013_names_for_translation"),
        ("bookings", "0014_quotes"),
        ("bookings", "0015_payments_fields"),
        ("bookings", "0016_request_groups"),
        ("bookings", "0017_bookingfile_deliverable"),
        ("bookings", "0018_booking_event_acting"),
    ]

    dependencies = [
        ("accounts", "0006_rate_counts"),
        ("accounts", "__first__"),
        ("bands", "0018_package_deliverables"),
        ("places", "0004_verbose_names"),
        ("venues", "0012_names_for_translation"),
    ]

    operations = [
        django.contrib.postgres.operations.BtreeGistExtension(),
        migrations.CreateModel(
            name="Booking",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name="UID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("application", "Application"),
                            ("offer", "Offer"),
                            ("request", "Private request"),
                            ("host", "Own show"),
                        ],
                        max_length=12,
                        verbose_name="kind",
                    ),
                ),
                (
                    "role",
                    models.CharField(
                        choices=[("headliner", "Headliner"), ("support", "Support")],
                        default="headliner",
                        max_length=10,
                        verbose_name="role",
                    ),
                ),
                # 10 first, widened below after bookings_one_live_per_band_slot is added: as in the old chain,
                # so that PostgreSQL keeps that partial index's predicate in the same words (altering the
                # column rewrites it).
                ("status", models.CharField(default="pending", max_length=10, verbose_name="status")),
                ("starts_at", models.DateTimeField(verbose_name="starts at")),
                ("ends_at", models.DateTimeField(verbose_name="ends at")),
                ("time_zone", models.CharField(default="UTC", max_length=64, verbose_name="time zone")),
                ("fee", models.PositiveIntegerField(blank=True, null=True, verbose_name="fee")),
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
                ("message", models.TextField(blank=True, max_length=2000, verbose_name="message")),
                ("event_type", models.CharField(blank=True, max_length=60, verbose_name="event type")),
                ("location", models.CharField(blank=True, max_length=200, verbose_name="location")),
                ("guests", models.PositiveIntegerField(blank=True, null=True, verbose_name="guests")),
                ("status_note", models.CharField(blank=True, max_length=500, verbose_name="status note")),
                ("shortlisted", models.BooleanField(default=False, verbose_name="shortlisted")),
                ("sequence", models.PositiveIntegerField(default=0, verbose_name="sequence")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("status_changed_at", models.DateTimeField(blank=True, null=True, verbose_name="status changed at")),
                (
                    "band",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="bookings",
                        to="bands.band",
                        verbose_name="band",
                    ),
                ),
                (
                    "block",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="bands.bandblock",
                        verbose_name="block",
                    ),
                ),
                (
                    "client",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="client_bookings",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="client",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="bookings_requested",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="requested by",
                    ),
                ),
                (
                    "slot",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="bookings",
                        to="venues.slot",
                        verbose_name="slot",
                    ),
                ),
                (
                    "venue",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="bookings",
                        to="venues.venue",
                        verbose_name="venue",
                    ),
                ),
                ("load_in_at", models.DateTimeField(blank=True, null=True, verbose_name="load in at")),
                (
                    "picker_band",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="bands.band",
                        verbose_name="picker band",
                    ),
                ),
                ("set_ends_at", models.DateTimeField(blank=True, null=True, verbose_name="set ends at")),
                ("set_starts_at", models.DateTimeField(blank=True, null=True, verbose_name="set starts at")),
                ("cancel_free_until", models.DateTimeField(blank=True, null=True, verbose_name="cancel free until")),
                (
                    "cancel_terms",
                    models.CharField(
                        blank=True, db_default="", default="", max_length=300, verbose_name="cancel terms"
                    ),
                ),
                ("instant", models.BooleanField(db_default=False, default=False, verbose_name="instant")),
                (
                    "load_in_notes",
                    models.CharField(
                        blank=True, db_default="", default="", max_length=300, verbose_name="load in notes"
                    ),
                ),
                (
                    "package",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="bookings",
                        to="bands.package",
                        verbose_name="package",
                    ),
                ),
                (
                    "power_notes",
                    models.CharField(blank=True, db_default="", default="", max_length=300, verbose_name="power notes"),
                ),
                (
                    "setting",
                    models.CharField(
                        blank=True,
                        choices=[("indoor", "Indoors"), ("outdoor", "Outdoors")],
                        db_default="",
                        default="",
                        max_length=8,
                        verbose_name="indoors or outdoors",
                    ),
                ),
            ],
            options={
                "ordering": ["starts_at", "id"],
                "indexes": [
                    models.Index(fields=["band", "status", "starts_at"], name="bookings_bo_band_id_e4c6b7_idx"),
                    models.Index(fields=["venue", "status", "starts_at"], name="bookings_bo_venue_i_216f33_idx"),
                    models.Index(fields=["client", "status", "starts_at"], name="bookings_bo_client__8615ab_idx"),
                    models.Index(fields=["slot", "status"], name="bookings_bo_slot_id_b05dec_idx"),
                    models.Index(fields=["status", "ends_at"], name="bookings_bo_status_c4e581_idx"),
                    models.Index(fields=["picker_band", "status"], name="bookings_picker_status"),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("starts_at__lt", models.F("ends_at"))),
                        name="bookings_ends_after_start",
                        violation_error_message="The end must be after the start.",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("role", "headliner"), ("status", "booked")),
                        fields=("slot",),
                        name="bookings_one_headliner_per_slot",
                        violation_error_message="This slot already has its headliner.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("load_in_at__isnull", True),
                                ("set_ends_at__isnull", True),
                                ("set_starts_at__isnull", True),
                            ),
                            models.Q(
                                ("load_in_at__lte", models.F("set_starts_at")),
                                ("set_ends_at__gt", models.F("set_starts_at")),
                                ("set_ends_at__lte", models.F("ends_at")),
                                ("set_starts_at__gte", models.F("starts_at")),
                            ),
                            _connector="OR",
                        ),
                        name="bookings_set_within_show",
                        violation_error_message="A set starts after its load-in and lies within the show.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("client__isnull", False), ("kind", "request"), ("slot__isnull", True)),
                            models.Q(
                                ("client__isnull", True),
                                ("kind__in", ["application", "offer", "host"]),
                                ("slot__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        name="bookings_kind_matches_parties",
                        violation_error_message="A private request has a client; an application or offer has a slot.",
                    ),
                    venues.constraints.PostgresExclusionConstraint(
                        condition=models.Q(("status__in", ["booked", "in_progress"])),
                        expressions=[
                            ("band", "="),
                            (
                                bookings.models.TsTzRange(
                                    "starts_at", "ends_at", django.contrib.postgres.fields.ranges.RangeBoundary()
                                ),
                                "&&",
                            ),
                        ],
                        name="bookings_no_double_booking",
                        violation_error_message="This band is already booked at an overlapping time.",
                    ),
                ],
                "verbose_name": "booking",
                "verbose_name_plural": "bookings",
            },
        ),
        migrations.CreateModel(
            name="BookingEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "from_status",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("pending", "Pending"),
                            ("booked", "Booked"),
                            ("declined", "Declined"),
                            ("withdrawn", "Withdrawn"),
                            ("cancelled", "Cancelled"),
                            ("completed", "Completed"),
                            ("in_progress", "In progress"),
                            ("disputed", "Disputed"),
                        ],
                        max_length=12,
                        verbose_name="from status",
                    ),
                ),
                (
                    "to_status",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("booked", "Booked"),
                            ("declined", "Declined"),
                            ("withdrawn", "Withdrawn"),
                            ("cancelled", "Cancelled"),
                            ("completed", "Completed"),
                            ("in_progress", "In progress"),
                            ("disputed", "Disputed"),
                        ],
                        max_length=12,
                        verbose_name="to status",
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=500, verbose_name="note")),
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
                    "booking",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="bookings.booking",
                        verbose_name="booking",
                    ),
                ),
                (
                    "acting_for",
                    models.CharField(blank=True, db_default="", default="", max_length=120, verbose_name="acting for"),
                ),
                (
                    "acting_org",
                    models.CharField(
                        blank=True, db_default="", default="", max_length=120, verbose_name="acting through"
                    ),
                ),
            ],
            options={
                "ordering": ["booking", "created_at", "id"],
                "verbose_name": "booking event",
                "verbose_name_plural": "booking events",
            },
        ),
        migrations.CreateModel(
            name="OfferInvite",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "token",
                    models.CharField(
                        default=bookings.models.new_offer_token,
                        editable=False,
                        max_length=64,
                        unique=True,
                        verbose_name="token",
                    ),
                ),
                ("email", models.EmailField(max_length=254, verbose_name="email")),
                ("band_name", models.CharField(blank=True, max_length=120, verbose_name="band name")),
                (
                    "role",
                    models.CharField(
                        choices=[("headliner", "Headliner"), ("support", "Support")],
                        default="headliner",
                        max_length=10,
                        verbose_name="role",
                    ),
                ),
                ("fee", models.PositiveIntegerField(blank=True, null=True, verbose_name="fee")),
                ("message", models.TextField(blank=True, max_length=2000, verbose_name="message")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("expires_at", models.DateTimeField(verbose_name="expires at")),
                ("claimed_at", models.DateTimeField(blank=True, null=True, verbose_name="claimed at")),
                ("revoked_at", models.DateTimeField(blank=True, null=True, verbose_name="revoked at")),
                (
                    "booking",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="invite",
                        to="bookings.booking",
                        verbose_name="booking",
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
                    "slot",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="offer_invites",
                        to="venues.slot",
                        verbose_name="slot",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at"],
                "verbose_name": "offer invite",
                "verbose_name_plural": "offer invites",
            },
        ),
        migrations.CreateModel(
            name="ShareLink",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "token",
                    models.CharField(
                        default=bookings.models.new_feed_token,
                        editable=False,
                        max_length=64,
                        unique=True,
                        verbose_name="token",
                    ),
                ),
                (
                    "label",
                    models.CharField(
                        blank=True,
                        help_text="Who it is for, e.g. “Rockpalast promoters”.",
                        max_length=80,
                        verbose_name="label",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("revoked_at", models.DateTimeField(blank=True, null=True, verbose_name="revoked at")),
                (
                    "band",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="share_links",
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
                        verbose_name="created by",
                    ),
                ),
                ("body_hash", models.CharField(blank=True, editable=False, max_length=64, verbose_name="body hash")),
                (
                    "content_changed_at",
                    models.DateTimeField(blank=True, editable=False, null=True, verbose_name="content changed at"),
                ),
            ],
            options={
                "ordering": ["-created_at"],
                "verbose_name": "share link",
                "verbose_name_plural": "share links",
            },
        ),
        migrations.CreateModel(
            name="CalendarFeed",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "token",
                    models.CharField(
                        default=bookings.models.new_feed_token,
                        editable=False,
                        max_length=64,
                        unique=True,
                        verbose_name="token",
                    ),
                ),
                (
                    "scope",
                    models.CharField(
                        choices=[("member", "My gigs"), ("band", "Band gigs"), ("venue", "Venue slots")],
                        max_length=8,
                        verbose_name="scope",
                    ),
                ),
                (
                    "include_pending",
                    models.BooleanField(
                        default=False, help_text="Also pending gigs, marked tentative.", verbose_name="include pending"
                    ),
                ),
                (
                    "include_available",
                    models.BooleanField(
                        default=False, help_text="Also the band's green-zone windows.", verbose_name="include available"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("rotated_at", models.DateTimeField(blank=True, null=True, verbose_name="rotated at")),
                (
                    "band",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="calendar_feeds",
                        to="bands.band",
                        verbose_name="band",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="calendar_feeds",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
                (
                    "venue",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="calendar_feeds",
                        to="venues.venue",
                        verbose_name="venue",
                    ),
                ),
                ("body_hash", models.CharField(blank=True, editable=False, max_length=64, verbose_name="body hash")),
                (
                    "content_changed_at",
                    models.DateTimeField(blank=True, editable=False, null=True, verbose_name="content changed at"),
                ),
                (
                    "fresh_until",
                    models.DateTimeField(blank=True, editable=False, null=True, verbose_name="fresh until"),
                ),
                (
                    "marks_stamp",
                    models.CharField(blank=True, editable=False, max_length=64, verbose_name="marks stamp"),
                ),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("band__isnull", True), ("scope", "member"), ("venue__isnull", True)),
                            models.Q(("band__isnull", False), ("scope", "band"), ("venue__isnull", True)),
                            models.Q(("band__isnull", True), ("scope", "venue"), ("venue__isnull", False)),
                            _connector="OR",
                        ),
                        name="bookings_feed_scope_matches_owner",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("scope", "member")),
                        fields=("user",),
                        name="bookings_one_member_feed_per_user",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("scope", "band")), fields=("band",), name="bookings_one_feed_per_band"
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("scope", "venue")), fields=("venue",), name="bookings_one_feed_per_venue"
                    ),
                ],
                "verbose_name": "calendar feed",
                "verbose_name_plural": "calendar feeds",
            },
        ),
        migrations.CreateModel(
            name="Message",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("body", models.TextField(max_length=2000, verbose_name="body")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
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
                    "booking",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="messages",
                        to="bookings.booking",
                        verbose_name="booking",
                    ),
                ),
            ],
            options={
                "ordering": ["booking", "created_at", "id"],
                "indexes": [models.Index(fields=["booking", "created_at", "id"], name="bookings_message_thread")],
                "verbose_name": "message",
                "verbose_name_plural": "messages",
            },
        ),
        migrations.CreateModel(
            name="ThreadRead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("last_read_id", models.PositiveBigIntegerField(default=0, verbose_name="last read id")),
                ("read_at", models.DateTimeField(auto_now=True, verbose_name="read at")),
                (
                    "booking",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="bookings.booking",
                        verbose_name="booking",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("booking", "user"), name="bookings_thread_read_unique")
                ],
                "verbose_name": "thread read",
                "verbose_name_plural": "thread reads",
            },
        ),
        migrations.CreateModel(
            name="Webhook",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("url", models.CharField(max_length=2000, verbose_name="address")),
                ("events", models.JSONField(default=list, verbose_name="events")),
                (
                    "secret",
                    models.CharField(
                        default=bookings.models.new_webhook_secret, editable=False, max_length=80, verbose_name="secret"
                    ),
                ),
                ("active", models.BooleanField(default=True, verbose_name="active")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                (
                    "band",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="webhooks",
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
                        verbose_name="created by",
                    ),
                ),
                (
                    "venue",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="webhooks",
                        to="venues.venue",
                        verbose_name="venue",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("band__isnull", False), ("venue__isnull", True)),
                            models.Q(("band__isnull", True), ("venue__isnull", False)),
                            _connector="OR",
                        ),
                        name="bookings_webhook_one_owner",
                        violation_error_message="A webhook belongs to one band or one venue.",
                    )
                ],
                "verbose_name": "webhook",
                "verbose_name_plural": "webhooks",
            },
        ),
        migrations.CreateModel(
            name="WebhookDelivery",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("event", models.CharField(max_length=40, verbose_name="event")),
                ("event_id", models.UUIDField(default=uuid.uuid4, editable=False, verbose_name="event id")),
                ("body", models.TextField(verbose_name="body")),
                (
                    "state",
                    models.CharField(
                        choices=[("pending", "Waiting"), ("delivered", "Delivered"), ("failed", "Failed (gave up)")],
                        default="pending",
                        max_length=10,
                        verbose_name="state",
                    ),
                ),
                ("attempts", models.PositiveSmallIntegerField(default=0, verbose_name="attempts")),
                ("next_attempt_at", models.DateTimeField(blank=True, null=True, verbose_name="next attempt at")),
                ("claimed_at", models.DateTimeField(blank=True, null=True, verbose_name="claimed at")),
                ("last_status", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="last status")),
                ("last_ms", models.PositiveIntegerField(blank=True, null=True, verbose_name="response time (ms)")),
                ("last_error", models.CharField(blank=True, max_length=300, verbose_name="last error")),
                ("last_attempt_at", models.DateTimeField(blank=True, null=True, verbose_name="last attempt at")),
                ("delivered_at", models.DateTimeField(blank=True, null=True, verbose_name="delivered at")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                (
                    "webhook",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to="bookings.webhook",
                        verbose_name="webhook",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
                "indexes": [
                    models.Index(fields=["webhook", "-created_at"], name="bookings_we_webhook_5a89c2_idx"),
                    models.Index(fields=["state", "next_attempt_at"], name="bookings_webhook_due"),
                ],
                "verbose_name": "webhook delivery",
                "verbose_name_plural": "webhook deliveries",
            },
        ),
        migrations.CreateModel(
            name="BillMessage",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("body", models.TextField(max_length=2000, verbose_name="body")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
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
                    "slot",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="bill_messages",
                        to="venues.slot",
                        verbose_name="slot",
                    ),
                ),
            ],
            options={
                "ordering": ["slot", "created_at", "id"],
                "indexes": [models.Index(fields=["slot", "created_at", "id"], name="bookings_bill_thread")],
                "verbose_name": "bill message",
                "verbose_name_plural": "bill messages",
            },
        ),
        migrations.CreateModel(
            name="SavedSearch",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("label", models.CharField(max_length=300, verbose_name="label")),
                ("filters", models.JSONField(default=dict, verbose_name="filters")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("checked_at", models.DateTimeField(verbose_name="checked at")),
                (
                    "band",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="saved_searches",
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
                        verbose_name="created by",
                    ),
                ),
                ("paused_at", models.DateTimeField(blank=True, null=True, verbose_name="paused at")),
            ],
            options={
                "ordering": ["band", "-created_at"],
                "verbose_name": "saved search",
                "verbose_name_plural": "saved searches",
            },
        ),
        migrations.CreateModel(
            name="BookingFile",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("document", models.UUIDField(db_index=True, default=uuid.uuid4, verbose_name="document")),
                ("version", models.PositiveSmallIntegerField(default=1, verbose_name="version")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("rider", "Rider"),
                            ("stage_plot", "Stage plot"),
                            ("set_list", "Set list"),
                            ("contract", "Contract"),
                            ("audio", "Recording"),
                            ("other", "Other"),
                        ],
                        default="other",
                        max_length=12,
                        verbose_name="kind",
                    ),
                ),
                ("title", models.CharField(max_length=120, verbose_name="title")),
                ("original_name", models.CharField(max_length=200, verbose_name="original name")),
                (
                    "file",
                    models.FileField(
                        max_length=200,
                        storage=bookings.models.booking_files_storage,
                        upload_to=bookings.models.booking_file_path,
                        verbose_name="file",
                    ),
                ),
                ("content_type", models.CharField(max_length=60, verbose_name="content type")),
                ("size", models.PositiveBigIntegerField(verbose_name="size")),
                ("side", models.CharField(max_length=6, verbose_name="side")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                (
                    "booking",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="files",
                        to="bookings.booking",
                        verbose_name="booking",
                    ),
                ),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="uploaded by",
                    ),
                ),
            ],
            options={
                "ordering": ["booking", "document", "-version"],
                "constraints": [
                    models.UniqueConstraint(fields=("document", "version"), name="bookings_file_version_unique")
                ],
                "verbose_name": "booking file",
                "verbose_name_plural": "booking files",
            },
        ),
        migrations.CreateModel(
            name="RescheduleProposal",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("side", models.CharField(max_length=6, verbose_name="side")),
                ("starts_at", models.DateTimeField(verbose_name="starts at")),
                ("ends_at", models.DateTimeField(verbose_name="ends at")),
                ("old_starts_at", models.DateTimeField(verbose_name="old starts at")),
                ("old_ends_at", models.DateTimeField(verbose_name="old ends at")),
                ("reason", models.CharField(max_length=500, verbose_name="reason")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("open", "Open"),
                            ("accepted", "Accepted"),
                            ("declined", "Declined"),
                            ("withdrawn", "Withdrawn"),
                            ("lapsed", "Lapsed"),
                        ],
                        default="open",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("answer_note", models.CharField(blank=True, max_length=500, verbose_name="answer note")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("answered_at", models.DateTimeField(blank=True, null=True, verbose_name="answered at")),
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
                    "booking",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reschedules",
                        to="bookings.booking",
                        verbose_name="booking",
                    ),
                ),
                (
                    "proposed_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="proposed by",
                    ),
                ),
            ],
            options={
                "ordering": ["booking", "-created_at", "-id"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("status", "open")),
                        fields=("booking",),
                        name="bookings_one_open_reschedule",
                        violation_error_message="This gig already has an open proposal for new times.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("starts_at__lt", models.F("ends_at"))),
                        name="bookings_reschedule_ends_after_start",
                        violation_error_message="The end must be after the start.",
                    ),
                ],
                "verbose_name": "reschedule proposal",
                "verbose_name_plural": "reschedule proposals",
            },
        ),
        migrations.CreateModel(
            name="SavedTour",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("label", models.CharField(blank=True, max_length=120, verbose_name="label")),
                ("first_day", models.DateField(verbose_name="first day")),
                ("last_day", models.DateField(verbose_name="last day")),
                ("drive_km", models.PositiveIntegerField(verbose_name="drive km")),
                ("kinds", models.JSONField(default=list, verbose_name="kinds")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "band",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="saved_tours",
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
                        verbose_name="created by",
                    ),
                ),
                (
                    "end",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="places.city",
                        verbose_name="end",
                    ),
                ),
                (
                    "start",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="places.city",
                        verbose_name="start",
                    ),
                ),
            ],
            options={
                "ordering": ["band", "first_day", "pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("last_day__gte", models.F("first_day"))),
                        name="bookings_savedtour_days_in_order",
                        violation_error_message="The last day cannot be before the first.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("drive_km__gte", 1), ("drive_km__lte", 1500)),
                        name="bookings_savedtour_drive_km_range",
                        violation_error_message="A day's drive is 1 to 1,500 km.",
                    ),
                ],
                "verbose_name": "saved tour",
                "verbose_name_plural": "saved tours",
            },
        ),
        migrations.CreateModel(
            name="FeedMark",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("band_id", models.BigIntegerField(blank=True, null=True, verbose_name="band id")),
                ("venue_id", models.BigIntegerField(blank=True, null=True, verbose_name="venue id")),
                ("user_id", models.BigIntegerField(blank=True, null=True, verbose_name="user id")),
                ("at", models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), verbose_name="at")),
            ],
            options={
                "indexes": [
                    models.Index(fields=["band_id", "id"], name="bookings_feedmark_band"),
                    models.Index(fields=["venue_id", "id"], name="bookings_feedmark_venue"),
                    models.Index(fields=["user_id", "id"], name="bookings_feedmark_user"),
                    models.Index(
                        condition=models.Q(
                            ("band_id__isnull", True), ("user_id__isnull", True), ("venue_id__isnull", True)
                        ),
                        fields=["id"],
                        name="bookings_feedmark_everyone",
                    ),
                    models.Index(fields=["at"], name="bookings_feedmark_at"),
                ],
                "verbose_name": "feed mark",
                "verbose_name_plural": "feed marks",
            },
        ),
        migrations.CreateModel(
            name="Quote",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.PositiveSmallIntegerField(verbose_name="version")),
                ("side", models.CharField(max_length=10, verbose_name="side")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("open", "Open"),
                            ("accepted", "Accepted"),
                            ("countered", "Countered"),
                            ("declined", "Declined"),
                            ("lapsed", "Lapsed"),
                        ],
                        default="open",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                (
                    "deal",
                    models.CharField(
                        choices=[
                            ("flat", "Flat guarantee"),
                            ("door", "Door split"),
                            ("versus", "Guarantee versus door split, whichever is higher"),
                        ],
                        default="flat",
                        max_length=8,
                        verbose_name="deal",
                    ),
                ),
                ("fee_minor", models.PositiveBigIntegerField(blank=True, null=True, verbose_name="fee (minor units)")),
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
                    "door_percent",
                    models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="door split (%)"),
                ),
                (
                    "ticket_price_minor",
                    models.PositiveBigIntegerField(blank=True, null=True, verbose_name="ticket price (minor units)"),
                ),
                ("capacity", models.PositiveIntegerField(blank=True, null=True, verbose_name="capacity")),
                ("deposit_percent", models.PositiveSmallIntegerField(default=0, verbose_name="deposit (%)")),
                (
                    "balance_due_days",
                    models.PositiveSmallIntegerField(default=0, verbose_name="balance due (days before the gig)"),
                ),
                (
                    "set_minutes",
                    models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="set length (minutes)"),
                ),
                ("sound", models.BooleanField(default=False, verbose_name="sound provided")),
                ("backline", models.BooleanField(default=False, verbose_name="backline provided")),
                ("hospitality", models.BooleanField(default=False, verbose_name="hospitality")),
                ("accommodation", models.BooleanField(default=False, verbose_name="accommodation")),
                ("travel", models.BooleanField(default=False, verbose_name="travel paid")),
                (
                    "included_note",
                    models.CharField(blank=True, max_length=300, verbose_name="what is included, in words"),
                ),
                ("cancel_windows", models.JSONField(blank=True, default=list, verbose_name="cancellation windows")),
                ("cancel_preset", models.CharField(blank=True, max_length=10, verbose_name="cancellation terms")),
                ("message", models.TextField(blank=True, max_length=2000, verbose_name="message")),
                ("expires_at", models.DateTimeField(verbose_name="expires at")),
                ("answer_note", models.CharField(blank=True, max_length=500, verbose_name="answer note")),
                ("answered_at", models.DateTimeField(blank=True, null=True, verbose_name="answered at")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
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
                    "booking",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="quotes",
                        to="bookings.booking",
                        verbose_name="booking",
                    ),
                ),
                (
                    "proposed_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="proposed by",
                    ),
                ),
                (
                    "replaces",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="bookings.quote",
                        verbose_name="counters",
                    ),
                ),
            ],
            options={
                "verbose_name": "quote",
                "verbose_name_plural": "quotes",
                "ordering": ["booking", "-version"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("status", "open")),
                        fields=("booking",),
                        name="bookings_one_open_quote",
                        violation_error_message="This booking already has an open quote.",
                    ),
                    models.UniqueConstraint(
                        fields=("booking", "version"),
                        name="bookings_quote_version_unique",
                        violation_error_message="This version of the quote exists already.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("deposit_percent__lte", 100)),
                        name="bookings_quote_deposit_percent",
                        violation_error_message="A deposit is 0 to 100 %.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("door_percent__isnull", True),
                            models.Q(("door_percent__gte", 1), ("door_percent__lte", 100)),
                            _connector="OR",
                        ),
                        name="bookings_quote_door_percent",
                        violation_error_message="A door split is 1 to 100 %.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("fee_minor__isnull", True),
                            models.Q(("fee_minor__gte", 1), ("fee_minor__lte", 1000000000)),
                            _connector="OR",
                        ),
                        name="bookings_quote_fee_range",
                        violation_error_message="A fee is more than nothing and at most 10,000,000.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("deal", "door"), ("door_percent__isnull", False)),
                            models.Q(("deal", "flat"), ("fee_minor__isnull", False)),
                            models.Q(("deal", "versus"), ("door_percent__isnull", False), ("fee_minor__isnull", False)),
                            _connector="OR",
                        ),
                        name="bookings_quote_deal_complete",
                        violation_error_message="A guarantee needs a fee and a door split its percentage.",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="RequestGroup",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name="UID")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                (
                    "client",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="request_groups",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="client",
                    ),
                ),
            ],
            options={
                "verbose_name": "request to several bands",
                "verbose_name_plural": "requests to several bands",
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.AddConstraint(
            model_name="booking",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["pending", "booked"])),
                fields=("band", "slot"),
                name="bookings_one_live_per_band_slot",
                violation_error_message="This band already has a pending or booked place on this slot.",
            ),
        ),
        migrations.AlterField(
            model_name="booking",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("booked", "Booked"),
                    ("declined", "Declined"),
                    ("withdrawn", "Withdrawn"),
                    ("cancelled", "Cancelled"),
                    ("completed", "Completed"),
                    ("in_progress", "In progress"),
                    ("disputed", "Disputed"),
                ],
                default="pending",
                max_length=12,
                verbose_name="status",
            ),
        ),
        # Added after the widening above, as in the old chain: on SQLite this rebuilds the table, which
        # puts the widened status column back in its place.
        migrations.AddField(
            model_name="booking",
            name="stand_in_planned",
            field=models.BooleanField(db_default=False, default=False, verbose_name="stand in planned"),
        ),
        migrations.AddField(
            model_name="booking",
            name="agreed_quote",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="bookings.quote",
                verbose_name="agreed quote",
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="booking",
                    name="paid_minor",
                    field=models.PositiveBigIntegerField(
                        db_default=0, default=0, verbose_name="paid through StageSlot (minor units)"
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(add_paid_minor, drop_paid_minor)],
        ),
        migrations.AddField(
            model_name="booking",
            name="request_group",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="bookings",
                to="bookings.requestgroup",
                verbose_name="request group",
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="bookingfile",
                    name="deliverable",
                    field=models.CharField(
                        blank=True,
                        choices=[("recording", "Recording"), ("photos", "Photos"), ("set_list", "Set list as played")],
                        db_default="",
                        default="",
                        max_length=12,
                        verbose_name="deliverable",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(add_deliverable, drop_deliverable)],
        ),
        migrations.AddConstraint(
            model_name="booking",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["booked", "in_progress", "completed", "disputed"])),
                fields=("request_group",),
                name="bookings_one_booked_per_request_group",
                violation_error_message="The client has already booked another band for this event.",
            ),
        ),
        migrations.RunPython(create_feed_triggers, drop_feed_triggers),
    ]
