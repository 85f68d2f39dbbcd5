"""Each required member's busy time, copied once per band, kept by the database itself.

bands.models.BandBusyInterval holds, for every BusyInterval of a person and every band that person is
a required member of, a copy (band, start, end, busy interval id). The free-date search reads it and
so finds the bands busy in a window without joining people to bands (docs/decisions/0005).

Triggers keep it, in the writing transaction, whatever wrote: a busy row inserted, deleted or moved;
a membership added, removed, or made required or optional. On PostgreSQL they are statement
triggers over transition tables (a bulk insert of busy rows is one INSERT … SELECT here too) and
they lock the people concerned: busy writes take their user rows FOR KEY SHARE (what a foreign-key
check takes anyway; only FOR UPDATE or deleting the person waits for it), membership changes FOR
UPDATE. So a membership added while the same person's busy rows are written waits for that
transaction and then sees its rows, and the other way round; without the locks each would miss the
other's uncommitted rows (bands/tests/test_band_busy.py shows it). Membership changes are rare;
busy writes never wait for each other. On SQLite, writers are serialised anyway and the triggers
are per row.

The search's indexes (PostgreSQL): busy time up to LONG_BUSY long is found through a btree on its
start, read from the window's start minus LONG_BUSY; longer busy time (a tour, a year away) through
a small GiST index on its range (and per band, a small btree). bands.selectors.BandBusyLength
compiles to exactly the predicates below. They live only here, out of the autodetector's sight.
The search's anti-joins are index-only scans: they stay fast while (auto)vacuum keeps the table's
visibility map current. No statistics on the range expression: with them the planner took a
window's long busy time for 20 times less than it is and rescanned it for every band of a narrow
search; without, it takes it for a few times more, which every plan tried tolerates.
"""

from django.db import migrations, models

# Must match bands.selectors.LONG_BUSY (a test checks that the plan uses both indexes).
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

COPY_FROM_MEMBERSHIPS = """
    INSERT INTO bands_bandbusyinterval (band_id, starts_at, ends_at, busy_interval_id)
    SELECT m.band_id, b.starts_at, b.ends_at, b.id
    FROM availability_busyinterval b JOIN bands_membership m ON m.user_id = b.user_id AND m.required
"""

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


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_TRIGGERS)
    elif vendor == "sqlite":
        for sql in SQLITE_TRIGGERS:
            schema_editor.execute(sql)
        schema_editor.execute('CREATE INDEX "bands_busy_start" ON "bands_bandbusyinterval" ("starts_at")')
    else:
        raise NotImplementedError(f"bands.0008 has no triggers for {vendor}")
    schema_editor.execute(COPY_FROM_MEMBERSHIPS)
    if vendor == "postgresql":
        for sql in POSTGRES_INDEXES:
            schema_editor.execute(sql)
        schema_editor.execute("ANALYZE bands_bandbusyinterval")


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP)
    elif vendor == "sqlite":
        for name in SQLITE_TRIGGER_NAMES:
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("bands", "0007_band_status_time_zone_index"),
        ("availability", "0004_calendar_read_problems"),
        ("accounts", "0001_initial"),
    ]

    operations = [
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
                ("band_id", models.BigIntegerField()),
                ("starts_at", models.DateTimeField()),
                ("ends_at", models.DateTimeField()),
                ("busy_interval_id", models.BigIntegerField()),
            ],
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
