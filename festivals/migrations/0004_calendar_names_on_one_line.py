"""Names and titles that calendars write on one line, stored with a line break or a control character before
forms refused them (issue 81): each such run, with the whitespace around it and every other run of whitespace
in the text, one space; the ends trimmed. Only the rows that hold one are read and written, a batch at a time,
each batch in its own short transaction (the migration is not atomic), so no big table is locked for long.
Nothing to undo: the reverse leaves the cleaned names as they are.

Kept here, beside the festivals (the app above every other one it cleans), so that one migration says which
columns a calendar carries; the characters are written out, not imported, so that it reads the same whenever
it runs."""

from django.db import IntegrityError, migrations, transaction
from django.db.models import Q, Value
from django.db.models.functions import Chr, StrIndex

# (app, model, column): every name or title a StageSlot calendar writes (bookings.ical.ical_text).
COLUMNS = [
    ("bands", "Band", "name"),
    ("venues", "Venue", "name"),
    ("venues", "Stage", "name"),
    ("venues", "Slot", "title"),
    ("venues", "Slot", "place_name"),
    ("bookings", "Booking", "event_type"),
    ("bookings", "Booking", "location"),
    ("gigs", "StandIn", "name"),
    ("gigs", "Tour", "name"),
    ("gigs", "TourStay", "name"),
    ("festivals", "Festival", "name"),
]
# Line breaks of every kind, tabs and the other control characters (C0, DEL, C1's NEL).
NOT_ON_ONE_LINE = [chr(c) for c in range(0x20) if chr(c) != "\x00"] + ["\x7f", "\x85", "\u2028", "\u2029"]
BATCH = 500


def one_line(value: str) -> str:
    """Each control character a space, then every run of whitespace one space, the ends trimmed."""
    for character in [*NOT_ON_ONE_LINE, "\x00"]:
        value = value.replace(character, " ")
    return " ".join(value.split())


def holding_a_break(model, column: str, using: str, vendor: str):
    """The rows whose `column` holds a break or a control character: one LIKE each (a scan that reads, never a
    lock). NUL apart: PostgreSQL holds none, and SQLite's LIKE ends its pattern at one, so there instr() finds it."""
    found = Q()
    for character in NOT_ON_ONE_LINE:
        found |= Q(**{f"{column}__contains": character})
    rows = model._default_manager.using(using)
    if vendor != "postgresql":
        rows = rows.annotate(nul_at=StrIndex(column, Chr(Value(0))))
        found |= Q(nul_at__gt=0)
    return rows.filter(found)


def clean_column(model, column: str, using: str, vendor: str) -> int:
    """Clean one column's rows that hold a break, BATCH rows a transaction, in the order of their keys. A row
    whose cleaned name another row already has where names are unique (a venue's stages) gets its key after it."""
    cleaned, after = 0, None
    rows = holding_a_break(model, column, using, vendor).order_by("pk")
    while True:
        batch = list((rows if after is None else rows.filter(pk__gt=after)).values_list("pk", column)[:BATCH])
        if not batch:
            return cleaned
        with transaction.atomic(using=using):
            for pk, value in batch:
                new = one_line(value)
                try:
                    with transaction.atomic(using=using):
                        # Only if the row still holds what was read: a name changed meanwhile is left to its writer.
                        cleaned += (
                            model._default_manager.using(using).filter(pk=pk, **{column: value}).update(**{column: new})
                        )
                except IntegrityError:
                    cleaned += (
                        model._default_manager.using(using)
                        .filter(pk=pk, **{column: value})
                        .update(**{column: f"{new} ({pk})"})
                    )
        after = batch[-1][0]


def names_on_one_line(apps, schema_editor) -> None:
    using, vendor = schema_editor.connection.alias, schema_editor.connection.vendor
    for app, model, column in COLUMNS:
        clean_column(apps.get_model(app, model), column, using, vendor)


class Migration(migrations.Migration):
    # Each batch commits on its own: a long cleaning holds no lock on the rows it has done.
    atomic = False

    dependencies = [
        ("bands", "0025_block_absent"),
        ("venues", "0014_slot_supports_full_index"),
        ("bookings", "0027_history_names_by_reference"),
        ("gigs", "0010_tour_rates"),
        ("festivals", "0003_placement_offers"),
    ]

    operations = [migrations.RunPython(names_on_one_line, migrations.RunPython.noop, elidable=True)]
