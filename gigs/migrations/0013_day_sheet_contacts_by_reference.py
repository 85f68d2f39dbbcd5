"""Day sheets written before a contact could be picked by account (issue 82, decision 0134): a contact typed with
exactly the address of someone of that side – the band's contact with a member's, the venue's with one of its
staff's (the client's own, for a private event) – is that person, so it becomes a reference to them and the typed
name and address are emptied; the phone typed beside it stays, as the day's number. Only an exact address counts:
no text is searched for a name, and a contact naming somebody else stays as it was typed.

The sheets that hold an address are read a batch at a time, each batch in its own short transaction (the migration
is not atomic). Nothing to undo: the reverse leaves the references, which draw the same name and address."""

from django.db import migrations, transaction

BATCH = 500


def _sides(sheet, booking, members, staff):
    """(side, the person of that side whose address the sheet's contact holds, or None) for both contacts."""
    band = members.get((booking.band_id, sheet.band_contact_email.lower())) if sheet.band_contact_email else None
    venue = None
    if sheet.venue_contact_email:
        wanted = sheet.venue_contact_email.lower()
        if booking.client_id:
            venue = booking.client_id if (booking.client.email or "").lower() == wanted else None
        elif booking.venue_id:
            venue = staff.get((booking.venue_id, wanted))
    return {"band": band, "venue": venue}


def link_contacts(apps, schema_editor):
    DaySheet = apps.get_model("gigs", "DaySheet")
    Membership = apps.get_model("bands", "Membership")
    VenueStaff = apps.get_model("venues", "VenueStaff")
    using = schema_editor.connection.alias
    rows = (
        DaySheet.objects.using(using)
        .exclude(band_contact_email="", venue_contact_email="")
        .select_related("booking__client")
        .order_by("pk")
    )
    after = 0
    while True:
        batch = list(rows.filter(pk__gt=after)[:BATCH])
        if not batch:
            return
        after = batch[-1].pk
        band_ids = {sheet.booking.band_id for sheet in batch}
        venue_ids = {sheet.booking.venue_id for sheet in batch if sheet.booking.venue_id}
        members = {
            (band_id, email.lower()): user_id
            for band_id, email, user_id in Membership.objects.using(using)
            .filter(band_id__in=band_ids, user__is_active=True)
            .values_list("band_id", "user__email", "user_id")
        }
        staff = {
            (venue_id, email.lower()): user_id
            for venue_id, email, user_id in VenueStaff.objects.using(using)
            .filter(venue_id__in=venue_ids, user__is_active=True)
            .values_list("venue_id", "user__email", "user_id")
        }
        with transaction.atomic(using=using):
            for sheet in batch:
                changed = []
                for side, person_id in _sides(sheet, sheet.booking, members, staff).items():
                    if person_id is None:
                        continue
                    setattr(sheet, f"{side}_contact_person_id", person_id)
                    setattr(sheet, f"{side}_contact_name", "")
                    setattr(sheet, f"{side}_contact_email", "")
                    changed += [f"{side}_contact_person", f"{side}_contact_name", f"{side}_contact_email"]
                if changed:
                    sheet.save(update_fields=changed)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("gigs", "0012_day_sheet_contact_people"),
        ("bands", "0025_block_absent"),
        ("venues", "0014_slot_supports_full_index"),
    ]

    operations = [migrations.RunPython(link_contacts, migrations.RunPython.noop, elidable=True)]
