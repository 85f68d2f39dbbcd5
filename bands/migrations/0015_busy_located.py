"""The copy of busy time per band (bands.0008) carries the busy row's point: the free-date search weighs
the journey from a gig elsewhere to the band's home by reading the located copies near a window
(bands.selectors._on_the_road), with no join to people, memberships or blocks (docs/decisions/0005, 0028).

Busy rows of a gig carry the gig block's point (availability.0005; bands.services.band_block_materialise
writes it). The triggers that copy busy rows now copy the point too, and a busy row whose point changes
is copied anew, as one whose person or times change. The triggers are replaced, not added: the four that
insert copies (a busy row inserted or updated, a membership inserted or updated); the two that delete
copies are unchanged. Then the gig rows already there get their block's point, and the update trigger
copies them again with it.
"""

import importlib
import re

from django.db import migrations, models

BANDS_0008 = importlib.import_module("bands.migrations.0008_bandbusyinterval")

POSTGRES_FUNCTIONS = """
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

SQLITE_TRIGGERS = {
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

# The gig rows already there take their block's point (the update trigger copies them again).
GIG_POINTS = """
    UPDATE availability_busyinterval SET
        latitude = (SELECT g.latitude FROM bands_bandblock g WHERE g.id = availability_busyinterval.source_id),
        longitude = (SELECT g.longitude FROM bands_bandblock g WHERE g.id = availability_busyinterval.source_id)
    WHERE source = 'gig' AND EXISTS (
        SELECT 1 FROM bands_bandblock g
        WHERE g.id = availability_busyinterval.source_id AND g.latitude IS NOT NULL AND g.longitude IS NOT NULL
    )
"""


def _postgres_functions_of_0008() -> str:
    """0008's versions of the functions replaced here, to put back."""
    names = "|".join(
        (
            "bands_busy_on_busy_insert",
            "bands_busy_on_busy_update",
            "bands_busy_on_membership_insert",
            "bands_busy_on_membership_update",
        )
    )
    found = re.findall(rf"CREATE FUNCTION (?:{names})\(\).*?END \$\$;", BANDS_0008.POSTGRES_TRIGGERS, re.S)
    assert len(found) == 4
    return "\n\n".join(sql.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1) for sql in found)


def _sqlite_triggers_of_0008() -> dict[str, str]:
    return {
        name: sql
        for name, sql in zip(BANDS_0008.SQLITE_TRIGGER_NAMES, BANDS_0008.SQLITE_TRIGGERS, strict=True)
        if name in SQLITE_TRIGGERS
    }


def _replace(schema_editor, *, postgres: str, sqlite: dict[str, str]) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(postgres)
    elif vendor == "sqlite":
        for name, sql in sqlite.items():
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
            schema_editor.execute(sql)
    else:
        raise NotImplementedError(f"bands.0015 has no triggers for {vendor}")


def copy_points(apps, schema_editor):
    _replace(schema_editor, postgres=POSTGRES_FUNCTIONS, sqlite=SQLITE_TRIGGERS)
    schema_editor.execute(GIG_POINTS)


def copy_no_points(apps, schema_editor):
    _replace(schema_editor, postgres=_postgres_functions_of_0008(), sqlite=_sqlite_triggers_of_0008())


class Migration(migrations.Migration):
    dependencies = [
        ("bands", "0014_travel"),
        ("availability", "0005_busy_point"),
    ]

    operations = [
        migrations.AddField(
            model_name="bandbusyinterval",
            name="latitude",
            field=models.FloatField(null=True),
        ),
        migrations.AddField(
            model_name="bandbusyinterval",
            name="longitude",
            field=models.FloatField(null=True),
        ),
        migrations.AddIndex(
            model_name="bandbusyinterval",
            index=models.Index(
                condition=models.Q(("latitude__isnull", False), ("longitude__isnull", False)),
                fields=["starts_at", "ends_at", "band_id", "latitude", "longitude"],
                name="bands_busy_located_start",
            ),
        ),
        migrations.RunPython(copy_points, copy_no_points),
    ]
