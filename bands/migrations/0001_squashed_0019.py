"""The bands migrations 0001–0019 in one, so that a new database (each test run's too) migrates fast.

Written from the end state of the old chain (docs/decisions/0049-squashed-migrations.md); `replaces`
lets a database that applied the old migrations go on with this one, and the old files stay until
every database has recorded it. Builds the same tables, indexes, constraints and triggers as the old
chain on SQLite and PostgreSQL.

Keeps the trigram search indexes (0002), the busy-copy triggers and indexes (0008, with 0015's
replacements) and the deliverables column added by plain ALTER TABLE (0018). Left out, being data
only: 0006 (pads existing gig blocks), 0012 (matches existing bands to cities) and 0015's update of
existing gig rows.
"""

import django.contrib.postgres.operations
import django.core.validators
import django.db.models.deletion
import django.db.models.functions.text
import django_countries.fields
from django.conf import settings
from django.db import migrations, models

import core.fields.timezones
import bands.links
import bands.models

# From 0002_search_indexes: trigram indexes behind the band search (PostgreSQL only); each on exactly
# the expression Django's icontains/istartswith compile to. They live only here, out of the
# autodetector's sight.

SEARCH_INDEXES = [
    ("bands_band_search_trgm", "bands_band", """"name" || ' ' || "tagline" || ' ' || "bio\""""),
    ("bands_band_name_trgm", "bands_band", '"name"'),
    ("bands_band_city_trgm", "bands_band", '"city"'),
    ("bands_band_region_trgm", "bands_band", '"region"'),
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


# From 0008_bandbusyinterval: each required member's busy time copied once per band, kept by triggers
# (docs/decisions/0005); from 0015_busy_located: the copies carry the busy row's point, so four of the
# functions (PostgreSQL) and triggers (SQLite) of 0008 are replaced. A fresh database gets 0008's
# objects and then 0015's replacements, as the old chain built them.

LONG_BUSY_SQL = "interval '2 days'"

SHORT = f'("ends_at" - "starts_at") <= {LONG_BUSY_SQL}'

LONG = f'("ends_at" - "starts_at") > {LONG_BUSY_SQL}'

POSTGRES_INDEXES = [
    f'CREATE INDEX "bands_busy_short_start" ON "bands_bandbusyinterval" ("starts_at") '
    f'INCLUDE ("ends_at", "band_id") WHERE {SHORT}',
    'CREATE INDEX "bands_busy_long_span" ON "bands_bandbusyinterval" USING gist '
    f'((tstzrange("starts_at", "ends_at"))) INCLUDE ("band_id", "starts_at", "ends_at") WHERE {LONG}',
    f'CREATE INDEX "bands_busy_long_band" ON "bands_bandbusyinterval" ("band_id", "starts_at") '
    f'INCLUDE ("ends_at") WHERE {LONG}',
]

POSTGRES_TRIGGERS = """
CREATE FUNCTION bands_busy_lock_people(people bigint[], membership boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF membership THEN
        PERFORM 1 FROM accounts_user WHERE id = ANY(people) ORDER BY id FOR UPDATE;
    ELSE
        PERFORM 1 FROM accounts_user WHERE id = ANY(people) ORDER BY id FOR KEY SHARE;
    END IF;
END $$;

CREATE FUNCTION bands_busy_on_busy_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bands_busy_lock_people(ARRAY(SELECT DISTINCT user_id FROM new_rows), false);
    INSERT INTO bands_bandbusyinterval (band_id, starts_at, ends_at, busy_interval_id)
    SELECT m.band_id, n.starts_at, n.ends_at, n.id
    FROM new_rows n JOIN bands_membership m ON m.user_id = n.user_id AND m.required;
    RETURN NULL;
END $$;

CREATE FUNCTION bands_busy_on_busy_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bands_busy_lock_people(ARRAY(SELECT DISTINCT user_id FROM old_rows), false);
    DELETE FROM bands_bandbusyinterval c USING old_rows o, bands_membership m
    WHERE m.user_id = o.user_id AND c.band_id = m.band_id AND c.starts_at = o.starts_at
      AND c.busy_interval_id = o.id;
    RETURN NULL;
END $$;

CREATE FUNCTION bands_busy_on_busy_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Only rows whose person or times changed (a title edit changes nothing here).
    PERFORM bands_busy_lock_people(
        ARRAY(SELECT o.user_id FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE (o.user_id, o.starts_at, o.ends_at) IS DISTINCT FROM (n.user_id, n.starts_at, n.ends_at)
              UNION
              SELECT n.user_id FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE (o.user_id, o.starts_at, o.ends_at) IS DISTINCT FROM (n.user_id, n.starts_at, n.ends_at)),
        false
    );
    DELETE FROM bands_bandbusyinterval c USING old_rows o, new_rows n, bands_membership m
    WHERE n.id = o.id AND (o.user_id, o.starts_at, o.ends_at) IS DISTINCT FROM (n.user_id, n.starts_at, n.ends_at)
      AND m.user_id = o.user_id AND c.band_id = m.band_id AND c.starts_at = o.starts_at
      AND c.busy_interval_id = o.id;
    INSERT INTO bands_bandbusyinterval (band_id, starts_at, ends_at, busy_interval_id)
    SELECT m.band_id, n.starts_at, n.ends_at, n.id
    FROM old_rows o JOIN new_rows n ON n.id = o.id JOIN bands_membership m ON m.user_id = n.user_id AND m.required
    WHERE (o.user_id, o.starts_at, o.ends_at) IS DISTINCT FROM (n.user_id, n.starts_at, n.ends_at);
    RETURN NULL;
END $$;

CREATE FUNCTION bands_busy_on_membership_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bands_busy_lock_people(ARRAY(SELECT DISTINCT user_id FROM new_rows WHERE required), true);
    INSERT INTO bands_bandbusyinterval (band_id, starts_at, ends_at, busy_interval_id)
    SELECT n.band_id, b.starts_at, b.ends_at, b.id
    FROM new_rows n JOIN availability_busyinterval b ON b.user_id = n.user_id
    WHERE n.required;
    RETURN NULL;
END $$;

CREATE FUNCTION bands_busy_on_membership_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bands_busy_lock_people(ARRAY(SELECT DISTINCT user_id FROM old_rows WHERE required), true);
    DELETE FROM bands_bandbusyinterval c USING old_rows o, availability_busyinterval b
    WHERE o.required AND b.user_id = o.user_id AND c.band_id = o.band_id AND c.starts_at = b.starts_at
      AND c.busy_interval_id = b.id;
    RETURN NULL;
END $$;

CREATE FUNCTION bands_busy_on_membership_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bands_busy_lock_people(
        ARRAY(SELECT o.user_id FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE (o.band_id, o.user_id, o.required) IS DISTINCT FROM (n.band_id, n.user_id, n.required)
              UNION
              SELECT n.user_id FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE (o.band_id, o.user_id, o.required) IS DISTINCT FROM (n.band_id, n.user_id, n.required)),
        true
    );
    DELETE FROM bands_bandbusyinterval c USING old_rows o, new_rows n, availability_busyinterval b
    WHERE n.id = o.id AND o.required
      AND (o.band_id, o.user_id, o.required) IS DISTINCT FROM (n.band_id, n.user_id, n.required)
      AND b.user_id = o.user_id AND c.band_id = o.band_id AND c.starts_at = b.starts_at
      AND c.busy_interval_id = b.id;
    INSERT INTO bands_bandbusyinterval (band_id, starts_at, ends_at, busy_interval_id)
    SELECT n.band_id, b.starts_at, b.ends_at, b.id
    FROM old_rows o JOIN new_rows n ON n.id = o.id JOIN availability_busyinterval b ON b.user_id = n.user_id
    WHERE n.required AND (o.band_id, o.user_id, o.required) IS DISTINCT FROM (n.band_id, n.user_id, n.required);
    RETURN NULL;
END $$;

-- DELETE, not TRUNCATE: Django's flush truncates this table in the same statement.
CREATE FUNCTION bands_busy_on_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM bands_bandbusyinterval;
    RETURN NULL;
END $$;

CREATE TRIGGER bands_busy_copy_insert AFTER INSERT ON availability_busyinterval
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bands_busy_on_busy_insert();
CREATE TRIGGER bands_busy_copy_delete AFTER DELETE ON availability_busyinterval
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION bands_busy_on_busy_delete();
CREATE TRIGGER bands_busy_copy_update AFTER UPDATE ON availability_busyinterval
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bands_busy_on_busy_update();
CREATE TRIGGER bands_busy_copy_truncate AFTER TRUNCATE ON availability_busyinterval
    FOR EACH STATEMENT EXECUTE FUNCTION bands_busy_on_truncate();
CREATE TRIGGER bands_busy_member_insert AFTER INSERT ON bands_membership
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION bands_busy_on_membership_insert();
CREATE TRIGGER bands_busy_member_delete AFTER DELETE ON bands_membership
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION bands_busy_on_membership_delete();
CREATE TRIGGER bands_busy_member_update AFTER UPDATE ON bands_membership
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bands_busy_on_membership_update();
CREATE TRIGGER bands_busy_member_truncate AFTER TRUNCATE ON bands_membership
    FOR EACH STATEMENT EXECUTE FUNCTION bands_busy_on_truncate();
"""

POSTGRES_DROP = """
DROP TRIGGER IF EXISTS bands_busy_copy_insert ON availability_busyinterval;
DROP TRIGGER IF EXISTS bands_busy_copy_delete ON availability_busyinterval;
DROP TRIGGER IF EXISTS bands_busy_copy_update ON availability_busyinterval;
DROP TRIGGER IF EXISTS bands_busy_copy_truncate ON availability_busyinterval;
DROP TRIGGER IF EXISTS bands_busy_member_insert ON bands_membership;
DROP TRIGGER IF EXISTS bands_busy_member_delete ON bands_membership;
DROP TRIGGER IF EXISTS bands_busy_member_update ON bands_membership;
DROP TRIGGER IF EXISTS bands_busy_member_truncate ON bands_membership;
DROP FUNCTION IF EXISTS bands_busy_on_busy_insert();
DROP FUNCTION IF EXISTS bands_busy_on_busy_delete();
DROP FUNCTION IF EXISTS bands_busy_on_busy_update();
DROP FUNCTION IF EXISTS bands_busy_on_membership_insert();
DROP FUNCTION IF EXISTS bands_busy_on_membership_delete();
DROP FUNCTION IF EXISTS bands_busy_on_membership_update();
DROP FUNCTION IF EXISTS bands_busy_on_truncate();
DROP FUNCTION IF EXISTS bands_busy_lock_people(bigint[], boolean);
"""

SQLITE_TRIGGERS = [
    """CREATE TRIGGER bands_busy_copy_insert AFTER INSERT ON availability_busyinterval BEGIN
        INSERT INTO bands_bandbusyinterval (band_id, starts_at, ends_at, busy_interval_id)
        SELECT m.band_id, NEW.starts_at, NEW.ends_at, NEW.id FROM bands_membership m
        WHERE m.user_id = NEW.user_id AND m.required;
    END""",
    """CREATE TRIGGER bands_busy_copy_delete AFTER DELETE ON availability_busyinterval BEGIN
        DELETE FROM bands_bandbusyinterval WHERE busy_interval_id = OLD.id AND starts_at = OLD.starts_at
        AND band_id IN (SELECT band_id FROM bands_membership WHERE user_id = OLD.user_id);
    END""",
    """CREATE TRIGGER bands_busy_copy_update AFTER UPDATE OF user_id, starts_at, ends_at
    ON availability_busyinterval BEGIN
        DELETE FROM bands_bandbusyinterval WHERE busy_interval_id = OLD.id AND starts_at = OLD.starts_at
        AND band_id IN (SELECT band_id FROM bands_membership WHERE user_id = OLD.user_id);
        INSERT INTO bands_bandbusyinterval (band_id, starts_at, ends_at, busy_interval_id)
        SELECT m.band_id, NEW.starts_at, NEW.ends_at, NEW.id FROM bands_membership m
        WHERE m.user_id = NEW.user_id AND m.required;
    END""",
    """CREATE TRIGGER bands_busy_member_insert AFTER INSERT ON bands_membership WHEN NEW.required BEGIN
        INSERT INTO bands_bandbusyinterval (band_id, starts_at, ends_at, busy_interval_id)
        SELECT NEW.band_id, b.starts_at, b.ends_at, b.id FROM availability_busyinterval b
        WHERE b.user_id = NEW.user_id;
    END""",
    """CREATE TRIGGER bands_busy_member_delete AFTER DELETE ON bands_membership WHEN OLD.required BEGIN
        DELETE FROM bands_bandbusyinterval WHERE band_id = OLD.band_id
        AND busy_interval_id IN (SELECT id FROM availability_busyinterval WHERE user_id = OLD.user_id);
    END""",
    """CREATE TRIGGER bands_busy_member_update AFTER UPDATE OF band_id, user_id, required ON bands_membership
    BEGIN
        DELETE FROM bands_bandbusyinterval WHERE OLD.required AND band_id = OLD.band_id
        AND busy_interval_id IN (SELECT id FROM availability_busyinterval WHERE user_id = OLD.user_id);
        INSERT INTO bands_bandbusyinterval (band_id, starts_at, ends_at, busy_interval_id)
        SELECT NEW.band_id, b.starts_at, b.ends_at, b.id FROM availability_busyinterval b
        WHERE NEW.required AND b.user_id = NEW.user_id;
    END""",
]

SQLITE_TRIGGER_NAMES = [
    "bands_busy_copy_insert",
    "bands_busy_copy_delete",
    "bands_busy_copy_update",
    "bands_busy_member_insert",
    "bands_busy_member_delete",
    "bands_busy_member_update",
]

POSTGRES_FUNCTIONS_LOCATED = """
CREATE OR REPLACE FUNCTION bands_busy_on_busy_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bands_busy_lock_people(ARRAY(SELECT DISTINCT user_id FROM new_rows), false);
    INSERT INTO bands_bandbusyinterval (band_id, starts_at, ends_at, busy_interval_id, latitude, longitude)
    SELECT m.band_id, n.starts_at, n.ends_at, n.id, n.latitude, n.longitude
    FROM new_rows n JOIN bands_membership m ON m.user_id = n.user_id AND m.required;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION bands_busy_on_busy_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Only rows whose person, times or point changed (a title edit changes nothing here).
    PERFORM bands_busy_lock_people(
        ARRAY(SELECT o.user_id FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE (o.user_id, o.starts_at, o.ends_at, o.latitude, o.longitude)
                    IS DISTINCT FROM (n.user_id, n.starts_at, n.ends_at, n.latitude, n.longitude)
              UNION
              SELECT n.user_id FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE (o.user_id, o.starts_at, o.ends_at, o.latitude, o.longitude)
                    IS DISTINCT FROM (n.user_id, n.starts_at, n.ends_at, n.latitude, n.longitude)),
        false
    );
    DELETE FROM bands_bandbusyinterval c USING old_rows o, new_rows n, bands_membership m
    WHERE n.id = o.id
      AND (o.user_id, o.starts_at, o.ends_at, o.latitude, o.longitude)
          IS DISTINCT FROM (n.user_id, n.starts_at, n.ends_at, n.latitude, n.longitude)
      AND m.user_id = o.user_id AND c.band_id = m.band_id AND c.starts_at = o.starts_at
      AND c.busy_interval_id = o.id;
    INSERT INTO bands_bandbusyinterval (band_id, starts_at, ends_at, busy_interval_id, latitude, longitude)
    SELECT m.band_id, n.starts_at, n.ends_at, n.id, n.latitude, n.longitude
    FROM old_rows o JOIN new_rows n ON n.id = o.id JOIN bands_membership m ON m.user_id = n.user_id AND m.required
    WHERE (o.user_id, o.starts_at, o.ends_at, o.latitude, o.longitude)
          IS DISTINCT FROM (n.user_id, n.starts_at, n.ends_at, n.latitude, n.longitude);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION bands_busy_on_membership_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bands_busy_lock_people(ARRAY(SELECT DISTINCT user_id FROM new_rows WHERE required), true);
    INSERT INTO bands_bandbusyinterval (band_id, starts_at, ends_at, busy_interval_id, latitude, longitude)
    SELECT n.band_id, b.starts_at, b.ends_at, b.id, b.latitude, b.longitude
    FROM new_rows n JOIN availability_busyinterval b ON b.user_id = n.user_id
    WHERE n.required;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION bands_busy_on_membership_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bands_busy_lock_people(
        ARRAY(SELECT o.user_id FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE (o.band_id, o.user_id, o.required) IS DISTINCT FROM (n.band_id, n.user_id, n.required)
              UNION
              SELECT n.user_id FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE (o.band_id, o.user_id, o.required) IS DISTINCT FROM (n.band_id, n.user_id, n.required)),
        true
    );
    DELETE FROM bands_bandbusyinterval c USING old_rows o, new_rows n, availability_busyinterval b
    WHERE n.id = o.id AND o.required
      AND (o.band_id, o.user_id, o.required) IS DISTINCT FROM (n.band_id, n.user_id, n.required)
      AND b.user_id = o.user_id AND c.band_id = o.band_id AND c.starts_at = b.starts_at
      AND c.busy_interval_id = b.id;
    INSERT INTO bands_bandbusyinterval (band_id, starts_at, ends_at, busy_interval_id, latitude, longitude)
    SELECT n.band_id, b.starts_at, b.ends_at, b.id, b.latitude, b.longitude
    FROM old_rows o JOIN new_rows n ON n.id = o.id JOIN availability_busyinterval b ON b.user_id = n.user_id
    WHERE n.required AND (o.band_id, o.user_id, o.required) IS DISTINCT FROM (n.band_id, n.user_id, n.required);
    RETURN NULL;
END $$;
"""

SQLITE_TRIGGERS_LOCATED = {
    "bands_busy_copy_insert": """CREATE TRIGGER bands_busy_copy_insert AFTER INSERT ON availability_busyinterval BEGIN
        INSERT INTO bands_bandbusyinterval (band_id, starts_at, ends_at, busy_interval_id, latitude, longitude)
        SELECT m.band_id, NEW.starts_at, NEW.ends_at, NEW.id, NEW.latitude, NEW.longitude FROM bands_membership m
        WHERE m.user_id = NEW.user_id AND m.required;
    END""",
    "bands_busy_copy_update": """CREATE TRIGGER bands_busy_copy_update
    AFTER UPDATE OF user_id, starts_at, ends_at, latitude, longitude ON availability_busyinterval BEGIN
        DELETE FROM bands_bandbusyinterval WHERE busy_interval_id = OLD.id AND starts_at = OLD.starts_at
        AND band_id IN (SELECT band_id FROM bands_membership WHERE user_id = OLD.user_id);
        INSERT INTO bands_bandbusyinterval (band_id, starts_at, ends_at, busy_interval_id, latitude, longitude)
        SELECT m.band_id, NEW.starts_at, NEW.ends_at, NEW.id, NEW.latitude, NEW.longitude FROM bands_membership m
        WHERE m.user_id = NEW.user_id AND m.required;
    END""",
    "bands_busy_member_insert": """CREATE TRIGGER bands_busy_member_insert AFTER INSERT ON bands_membership
    WHEN NEW.required BEGIN
        INSERT INTO bands_bandbusyinterval (band_id, starts_at, ends_at, busy_interval_id, latitude, longitude)
        SELECT NEW.band_id, b.starts_at, b.ends_at, b.id, b.latitude, b.longitude FROM availability_busyinterval b
        WHERE b.user_id = NEW.user_id;
    END""",
    "bands_busy_member_update": """CREATE TRIGGER bands_busy_member_update
    AFTER UPDATE OF band_id, user_id, required ON bands_membership BEGIN
        DELETE FROM bands_bandbusyinterval WHERE OLD.required AND band_id = OLD.band_id
        AND busy_interval_id IN (SELECT id FROM availability_busyinterval WHERE user_id = OLD.user_id);
        INSERT INTO bands_bandbusyinterval (band_id, starts_at, ends_at, busy_interval_id, latitude, longitude)
        SELECT NEW.band_id, b.starts_at, b.ends_at, b.id, b.latitude, b.longitude FROM availability_busyinterval b
        WHERE NEW.required AND b.user_id = NEW.user_id;
    END""",
}


def create_busy_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_TRIGGERS)
        schema_editor.execute(POSTGRES_FUNCTIONS_LOCATED)
        for sql in POSTGRES_INDEXES:
            schema_editor.execute(sql)
        schema_editor.execute("ANALYZE bands_bandbusyinterval")
    elif vendor == "sqlite":
        for name, sql in zip(SQLITE_TRIGGER_NAMES, SQLITE_TRIGGERS, strict=True):
            schema_editor.execute(SQLITE_TRIGGERS_LOCATED.get(name, sql))
        schema_editor.execute('CREATE INDEX "bands_busy_start" ON "bands_bandbusyinterval" ("starts_at")')
    else:
        raise NotImplementedError(f"bands has no busy-copy triggers for {vendor}")


def drop_busy_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP)
    elif vendor == "sqlite":
        for name in SQLITE_TRIGGER_NAMES:
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{name}"')


# From 0018_package_deliverables: added with plain ALTER TABLE … ADD COLUMN on both databases (a NOT NULL
# field with a default would make SQLite rebuild the table, and a rebuild drops any trigger on it).

DELIVERABLES_ADD = {
    "postgresql": 'ALTER TABLE "bands_package" ADD COLUMN "deliverables" jsonb DEFAULT \'[]\'::jsonb NOT NULL',
    "sqlite": 'ALTER TABLE "bands_package" ADD COLUMN "deliverables" text DEFAULT \'[]\' NOT NULL '
    'CHECK ((JSON_VALID("deliverables") OR "deliverables" IS NULL))',
}


def add_deliverables(apps, schema_editor):
    schema_editor.execute(DELIVERABLES_ADD[schema_editor.connection.vendor])


def drop_deliverables(apps, schema_editor):
    schema_editor.execute('ALTER TABLE "bands_package" DROP COLUMN "deliverables"')


class Migration(migrations.Migration):
    replaces = [
        ("bands", "0001_initial"),
        ("bands", "0002_search_indexes"),
        ("bands", "0003_band_min_gig_minutes_bandblock"),
        ("bands", "0004_alter_bandblock_kind"),
        ("bands", "0005_gig_padding"),
        ("bands", "0006_gig_blocks_padded"),
        ("bands", "0007_band_status_time_zone_index"),
        ("bands", "0008_bandbusyinterval"),
        ("bands", "0009_band_ratings"),
        ("bands", "0010_client_journey"),
        ("bands", "0011_band_place"),
        ("bands", "0012_band_place_match"),
        ("bands", "0013_band_instant_limits"),
        ("bands", "0014_travel"),
        ("bands", "0015_busy_located"),
        ("bands", "0016_verbose_names_for_translation"),
        ("bands", "0017_names_for_translation"),
        ("bands", "0018_package_deliverables"),
        ("bands", "0019_rsvp_reminder_lineup"),
    ]

    dependencies = [
        ("accounts", "0001_initial"),
        ("accounts", "__first__"),
        ("availability", "0005_busy_point"),
        ("places", "0004_verbose_names"),
    ]

    operations = [
        django.contrib.postgres.operations.TrigramExtension(),
        migrations.CreateModel(
            name="Band",
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
                        help_text="Your address on StageSlot: /bands/<slug>/",
                        max_length=120,
                        unique=True,
                        verbose_name="slug",
                    ),
                ),
                (
                    "tagline",
                    models.CharField(
                        blank=True,
                        help_text="One line, e.g. “Four-piece indie rock from Berlin”.",
                        max_length=160,
                        verbose_name="tagline",
                    ),
                ),
                (
                    "bio",
                    models.TextField(
                        blank=True,
                        help_text="Plain text; blank lines start new paragraphs.",
                        max_length=5000,
                        verbose_name="bio",
                    ),
                ),
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
                ("fee_min", models.PositiveIntegerField(blank=True, null=True, verbose_name="lowest fee")),
                ("fee_max", models.PositiveIntegerField(blank=True, null=True, verbose_name="highest fee")),
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
                    "set_length_minutes",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(5),
                            django.core.validators.MaxValueValidator(600),
                        ],
                        verbose_name="usual set length (minutes)",
                    ),
                ),
                (
                    "rider",
                    models.TextField(
                        blank=True,
                        help_text="Backline, stage size, inputs, hospitality.",
                        max_length=5000,
                        verbose_name="technical rider and notes",
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
                    "min_gig_minutes",
                    models.PositiveSmallIntegerField(
                        default=180,
                        help_text="A day counts as free when every needed member is free at least this long, e.g. 180 for 3 hours.",
                        validators=[
                            django.core.validators.MinValueValidator(30),
                            django.core.validators.MaxValueValidator(720),
                        ],
                        verbose_name="shortest gig (minutes)",
                    ),
                ),
                (
                    "load_in_minutes",
                    models.PositiveSmallIntegerField(
                        default=120,
                        help_text="Members are busy this long before every gig starts, e.g. 120 for 2 hours.",
                        validators=[django.core.validators.MaxValueValidator(600)],
                        verbose_name="load-in and soundcheck (minutes before a gig)",
                    ),
                ),
                (
                    "pack_down_minutes",
                    models.PositiveSmallIntegerField(
                        default=60,
                        help_text="Members are busy this long after every gig ends, e.g. 60 for 1 hour.",
                        validators=[django.core.validators.MaxValueValidator(600)],
                        verbose_name="pack-down (minutes after a gig)",
                    ),
                ),
                (
                    "two_gigs_a_day",
                    models.BooleanField(
                        default=False,
                        help_text="Off: a day with a booked gig is booked, and no other gig is proposed that day.",
                        verbose_name="takes two gigs a day",
                    ),
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
                    "cancel_free_days",
                    models.PositiveSmallIntegerField(
                        db_default=30,
                        default=30,
                        help_text="A client cancels free of charge until this many days before the gig.",
                        validators=[django.core.validators.MaxValueValidator(365)],
                        verbose_name="free cancellation until (days before)",
                    ),
                ),
                (
                    "cancel_late_percent",
                    models.PositiveSmallIntegerField(
                        db_default=50,
                        default=50,
                        help_text="Of the price, when the client cancels later than that.",
                        validators=[django.core.validators.MaxValueValidator(100)],
                        verbose_name="late cancellation fee (%)",
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
                (
                    "travel_km",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="How far from home you would travel for a gig; blank if you do not say.",
                        null=True,
                        validators=[django.core.validators.MaxValueValidator(20000)],
                        verbose_name="travels up to (km)",
                    ),
                ),
                (
                    "instant_max_per_day",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="No instant booking on a day (in the band's zone) with this many booked gigs. Empty: no limit.",
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(20),
                        ],
                        verbose_name="instant booking: most gigs a day",
                    ),
                ),
                (
                    "instant_max_per_week",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="No instant booking in a week (Monday to Sunday, band's zone) with this many booked gigs. Empty: no limit.",
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(50),
                        ],
                        verbose_name="instant booking: most gigs a week",
                    ),
                ),
                (
                    "instant_notice_hours",
                    models.PositiveSmallIntegerField(
                        default=24,
                        help_text="A gig starting sooner than this cannot be booked instantly, e.g. 24 for a day.",
                        validators=[django.core.validators.MaxValueValidator(720)],
                        verbose_name="instant booking: minimum notice (hours)",
                    ),
                ),
                (
                    "travel_speed_kmh",
                    models.PositiveSmallIntegerField(
                        db_default=70,
                        default=70,
                        help_text="Between two gigs in different places, members are busy for the journey: the distance at this speed, e.g. 70 by road.",
                        validators=[
                            django.core.validators.MinValueValidator(10),
                            django.core.validators.MaxValueValidator(900),
                        ],
                        verbose_name="average travel speed (km/h)",
                    ),
                ),
                (
                    "rsvp_reminder_days",
                    models.PositiveSmallIntegerField(
                        db_default=7,
                        default=7,
                        help_text="Members who have not said whether they can play a gig are reminded this many days before it. 0: no reminder.",
                        validators=[django.core.validators.MaxValueValidator(60)],
                        verbose_name="remind silent members (days before)",
                    ),
                ),
            ],
            options={
                "ordering": ["name"],
                "indexes": [
                    models.Index(fields=["status", "name"], name="bands_band_status_d577ed_idx"),
                    models.Index(fields=["status", "-created_at"], name="bands_band_status_d98a0e_idx"),
                    models.Index(fields=["status", "country", "city"], name="bands_band_status_a71fa8_idx"),
                    models.Index(fields=["status", "fee_min"], name="bands_band_status_a00573_idx"),
                    models.Index(fields=["status", "time_zone"], name="bands_band_status_62326a_idx"),
                    models.Index(fields=["status", "-rating_score", "name", "id"], name="bands_band_rating_score"),
                    models.Index(fields=["latitude", "longitude"], name="bands_band_point"),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("fee_min__isnull", True),
                            ("fee_max__isnull", True),
                            ("fee_min__lte", models.F("fee_max")),
                            _connector="OR",
                        ),
                        name="bands_band_fee_range",
                        violation_error_message="The lowest fee cannot be more than the highest fee.",
                    )
                ],
                "verbose_name": "band",
                "verbose_name_plural": "bands",
            },
        ),
        migrations.CreateModel(
            name="BandEmbed",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "provider",
                    models.CharField(
                        choices=[
                            ("spotify", "Spotify"),
                            ("soundcloud", "SoundCloud"),
                            ("bandcamp", "Bandcamp"),
                            ("youtube", "YouTube"),
                        ],
                        max_length=12,
                        verbose_name="provider",
                    ),
                ),
                ("source_url", models.URLField(max_length=500, verbose_name="source URL")),
                ("embed_url", models.URLField(max_length=500, verbose_name="embed URL")),
                ("title", models.CharField(blank=True, max_length=120, verbose_name="title")),
                ("position", models.PositiveSmallIntegerField(default=0, verbose_name="position")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                (
                    "band",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="embeds",
                        to="bands.band",
                        verbose_name="band",
                    ),
                ),
            ],
            options={
                "ordering": ["band", "position", "id"],
                "verbose_name": "band embed",
                "verbose_name_plural": "band embeds",
            },
        ),
        migrations.CreateModel(
            name="BandPhoto",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("image", models.ImageField(upload_to=bands.models.band_photo_path, verbose_name="image")),
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
                    "band",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="photos",
                        to="bands.band",
                        verbose_name="band",
                    ),
                ),
            ],
            options={
                "ordering": ["band", "position", "id"],
                "verbose_name": "band photo",
                "verbose_name_plural": "band photos",
            },
        ),
        migrations.CreateModel(
            name="Genre",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=60, verbose_name="name")),
                ("slug", models.SlugField(max_length=60, unique=True, verbose_name="slug")),
            ],
            options={
                "ordering": ["name"],
                "constraints": [
                    models.UniqueConstraint(
                        django.db.models.functions.text.Lower("name"), name="bands_genre_name_ci_unique"
                    )
                ],
                "verbose_name": "genre",
                "verbose_name_plural": "genres",
            },
        ),
        migrations.CreateModel(
            name="Membership",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "role",
                    models.CharField(
                        choices=[("leader", "Leader"), ("admin", "Admin"), ("member", "Member")],
                        default="member",
                        max_length=10,
                        verbose_name="role",
                    ),
                ),
                ("instrument", models.CharField(blank=True, max_length=60, verbose_name="instrument")),
                (
                    "required",
                    models.BooleanField(
                        default=True,
                        help_text="The band cannot play without this member (counts for the green zone).",
                        verbose_name="required",
                    ),
                ),
                ("joined_at", models.DateTimeField(auto_now_add=True, verbose_name="joined at")),
                (
                    "band",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to="bands.band",
                        verbose_name="band",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "ordering": ["band", "joined_at"],
                "constraints": [models.UniqueConstraint(fields=("band", "user"), name="bands_membership_unique")],
                "verbose_name": "membership",
                "verbose_name_plural": "memberships",
            },
        ),
        migrations.CreateModel(
            name="BandInvite",
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
                        choices=[("leader", "Leader"), ("admin", "Admin"), ("member", "Member")],
                        default="member",
                        max_length=10,
                        verbose_name="role",
                    ),
                ),
                (
                    "band",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="invites",
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
            ],
            options={
                "ordering": ["-created_at"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("uses__lte", models.F("max_uses"))), name="bands_invite_uses_within_max"
                    )
                ],
                "verbose_name": "band invite",
                "verbose_name_plural": "band invites",
            },
        ),
        migrations.CreateModel(
            name="BandBlock",
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
                        choices=[("rehearsal", "Rehearsal"), ("hold", "Hold"), ("other", "Other"), ("gig", "Gig")],
                        default="rehearsal",
                        max_length=10,
                        verbose_name="kind",
                    ),
                ),
                (
                    "band",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="blocks",
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
                    "gig_ends_at",
                    models.DateTimeField(blank=True, editable=False, null=True, verbose_name="gig ends at"),
                ),
                (
                    "gig_starts_at",
                    models.DateTimeField(blank=True, editable=False, null=True, verbose_name="gig starts at"),
                ),
                (
                    "load_in_minutes",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="Empty: the band's usual load-in.",
                        null=True,
                        validators=[django.core.validators.MaxValueValidator(600)],
                        verbose_name="load in minutes",
                    ),
                ),
                (
                    "pack_down_minutes",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="Empty: the band's usual pack-down.",
                        null=True,
                        validators=[django.core.validators.MaxValueValidator(600)],
                        verbose_name="pack down minutes",
                    ),
                ),
                ("latitude", models.FloatField(blank=True, editable=False, null=True, verbose_name="latitude")),
                ("longitude", models.FloatField(blank=True, editable=False, null=True, verbose_name="longitude")),
                ("lineup", models.JSONField(blank=True, default=dict, editable=False, verbose_name="line-up")),
            ],
            options={
                "ordering": ["band", "start_date", "start_time", "id"],
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
                        name="bands_block_ends_after_start",
                        violation_error_message="The end must be after the start.",
                    )
                ],
                "indexes": [models.Index(fields=["band", "gig_starts_at"], name="bands_block_gig_idx")],
                "verbose_name": "band block",
                "verbose_name_plural": "band blocks",
            },
        ),
        migrations.CreateModel(
            name="BandBusyInterval",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "band_id",
                        "starts_at",
                        "busy_interval_id",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("band_id", models.BigIntegerField(verbose_name="band id")),
                ("starts_at", models.DateTimeField(verbose_name="starts at")),
                ("ends_at", models.DateTimeField(verbose_name="ends at")),
                ("busy_interval_id", models.BigIntegerField(verbose_name="busy interval id")),
                ("latitude", models.FloatField(null=True, verbose_name="latitude")),
                ("longitude", models.FloatField(null=True, verbose_name="longitude")),
            ],
            options={
                "indexes": [
                    models.Index(
                        condition=models.Q(("latitude__isnull", False), ("longitude__isnull", False)),
                        fields=["starts_at", "ends_at", "band_id", "latitude", "longitude"],
                        name="bands_busy_located_start",
                    )
                ],
                "verbose_name": "band busy interval",
                "verbose_name_plural": "band busy intervals",
            },
        ),
        migrations.CreateModel(
            name="Package",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=80, verbose_name="name")),
                (
                    "included",
                    models.TextField(
                        blank=True,
                        help_text="e.g. “PA for 150 guests, first dance learned.”",
                        max_length=1000,
                        verbose_name="what is included",
                    ),
                ),
                (
                    "sets",
                    models.PositiveSmallIntegerField(
                        default=1,
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(10),
                        ],
                        verbose_name="sets",
                    ),
                ),
                (
                    "set_minutes",
                    models.PositiveSmallIntegerField(
                        default=45,
                        validators=[
                            django.core.validators.MinValueValidator(10),
                            django.core.validators.MaxValueValidator(480),
                        ],
                        verbose_name="minutes per set",
                    ),
                ),
                (
                    "break_minutes",
                    models.PositiveSmallIntegerField(
                        default=15,
                        validators=[django.core.validators.MaxValueValidator(120)],
                        verbose_name="break between sets (minutes)",
                    ),
                ),
                (
                    "price",
                    models.PositiveIntegerField(
                        validators=[django.core.validators.MaxValueValidator(10000000)], verbose_name="price"
                    ),
                ),
                (
                    "price_unit",
                    models.CharField(
                        choices=[("fixed", "fixed fee"), ("hour", "per hour"), ("day", "per day")],
                        default="fixed",
                        max_length=5,
                        verbose_name="price unit",
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
                    "travel_included_km",
                    models.PositiveIntegerField(
                        blank=True,
                        null=True,
                        validators=[django.core.validators.MaxValueValidator(20000)],
                        verbose_name="travel included within (km)",
                    ),
                ),
                (
                    "travel_fee",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="Added to the price.",
                        null=True,
                        validators=[django.core.validators.MaxValueValidator(1000000)],
                        verbose_name="travel fee",
                    ),
                ),
                (
                    "instant",
                    models.BooleanField(
                        default=False,
                        help_text="Clients book it at once at a free time, without your answer.",
                        verbose_name="instant-bookable",
                    ),
                ),
                (
                    "active",
                    models.BooleanField(
                        default=True,
                        help_text="Off: no longer offered (bookings made with it stay).",
                        verbose_name="active",
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(default=0, verbose_name="position")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "band",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="packages",
                        to="bands.band",
                        verbose_name="band",
                    ),
                ),
            ],
            options={
                "ordering": ["band", "position", "id"],
                "indexes": [models.Index(fields=["band", "active", "position"], name="bands_package_band_idx")],
                "verbose_name": "package",
                "verbose_name_plural": "packages",
            },
        ),
        migrations.AddField(
            model_name="band",
            name="genres",
            field=models.ManyToManyField(blank=True, related_name="bands", to="bands.genre", verbose_name="genres"),
        ),
        migrations.AddField(
            model_name="band",
            name="members",
            field=models.ManyToManyField(
                related_name="bands", through="bands.Membership", to=settings.AUTH_USER_MODEL, verbose_name="members"
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="package",
                    name="deliverables",
                    field=models.JSONField(blank=True, default=list, verbose_name="delivered after the gig"),
                ),
            ],
            database_operations=[migrations.RunPython(add_deliverables, drop_deliverables)],
        ),
        migrations.RunPython(create_search_indexes, drop_search_indexes),
        migrations.RunPython(create_busy_triggers, drop_busy_triggers),
    ]
