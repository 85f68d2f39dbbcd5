"""A booking's history names the busy members of "a stand-in is planned" by reference (docs/decisions/0097):
the notes written before, which hold the members' names, are converted where a name is a member's of the
booking's band (whole words, longest name first); a note naming someone else stays as it was."""

import re

from django.db import migrations

OPEN, CLOSE = "\ue000", "\ue001"
PREFIX = "Stand-in planned: "


def names_to_references(apps, schema_editor):
    BookingEvent = apps.get_model("bookings", "BookingEvent")
    Membership = apps.get_model("bands", "Membership")
    events = BookingEvent.objects.filter(note__startswith=PREFIX).select_related("booking")
    members: dict[int, list[tuple[str, int]]] = {}
    for event in events.iterator(chunk_size=500):
        band_id = event.booking.band_id
        if band_id not in members:
            rows = Membership.objects.filter(band_id=band_id).exclude(user__display_name="")
            found = {(name.strip(), user_id) for name, user_id in rows.values_list("user__display_name", "user_id")}
            members[band_id] = sorted((n for n in found if n), key=lambda n: len(n[0]), reverse=True)
        head, rest = event.note[: len(PREFIX)], event.note[len(PREFIX) :]
        for name, user_id in members[band_id]:
            rest = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", f"{OPEN}{user_id}{CLOSE}", rest)
        if head + rest != event.note:
            BookingEvent.objects.filter(pk=event.pk).update(note=(head + rest)[:500])


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0026_unpaid_client_index"),
        ("bands", "0022_quiet_rounds_indexes"),
    ]

    operations = [migrations.RunPython(names_to_references, migrations.RunPython.noop, elidable=True)]
