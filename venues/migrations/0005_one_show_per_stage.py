"""One show per stage: an exclusion constraint on (stage =, tstzrange(starts_at, ends_at) &&) for slots
that are not cancelled (PostgreSQL; a no-op on SQLite). docs/decisions/0010-one-show-per-stage.md

PostgreSQL cannot add an exclusion constraint NOT VALID, and cancelling slots on its own would
decline bands' bookings behind the venues' backs. So before adding it, the migration looks for slots
that already overlap and, if there are any, stops with the list and changes nothing.
"""

import django.contrib.postgres.fields.ranges
from django.contrib.postgres.operations import BtreeGistExtension
from django.core.management.base import CommandError
from django.db import migrations, models
from django.db.models import Exists, OuterRef

import venues.constraints

LISTED = 20


def refuse_overlapping_slots(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return  # No constraint there; the slot services refuse new overlaps.
    Slot = apps.get_model("venues", "Slot")
    live = Slot.objects.using(schema_editor.connection.alias).filter(cancelled_at__isnull=True)
    later = live.filter(
        stage_id=OuterRef("stage_id"),
        pk__gt=OuterRef("pk"),
        starts_at__lt=OuterRef("ends_at"),
        ends_at__gt=OuterRef("starts_at"),
    )
    first = live.filter(Exists(later)).select_related("venue", "stage").order_by("venue_id", "stage_id", "starts_at")
    found = list(first[: LISTED + 1])
    if not found:
        return
    lines = []
    for slot in found[:LISTED]:
        other = (
            live.filter(
                stage_id=slot.stage_id,
                pk__gt=slot.pk,
                starts_at__lt=slot.ends_at,
                ends_at__gt=slot.starts_at,
            )
            .order_by("starts_at")
            .first()
        )
        lines.append(
            f"  - {slot.venue.name} ({slot.venue.slug}), {slot.stage.name}: slot {slot.pk} “{slot.title}” "
            f"{slot.starts_at:%Y-%m-%d %H:%M}–{slot.ends_at:%H:%M} UTC overlaps slot {other.pk} “{other.title}” "
            f"{other.starts_at:%Y-%m-%d %H:%M}–{other.ends_at:%H:%M} UTC"
        )
    if len(found) > LISTED:
        lines.append("  - …and more.")
    raise CommandError(
        "Cannot add “one show per stage” (venues_one_show_per_stage): these slots overlap another slot "
        "on the same stage and neither is cancelled. Nothing was changed. Cancel or move one slot of each "
        "pair (its venue's page /venues/<slug>/manage/slots/<id>/), then run migrate again.\n" + "\n".join(lines)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("venues", "0004_slot_sequence"),
    ]

    operations = [
        # The exclusion constraint compares stage ids with = inside a GiST index (PostgreSQL only).
        BtreeGistExtension(),
        migrations.RunPython(refuse_overlapping_slots, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="slot",
            constraint=venues.constraints.PostgresExclusionConstraint(
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
        ),
    ]
