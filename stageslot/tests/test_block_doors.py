"""Every write that names another person or party passes the one contact check (decisions 0081, 0096; issue 81,
"the second person"), found from the code.

The test walks every model of the project with a key to a person, a band, a venue, an organisation or a stand-in of
a band's pool (a person by address) – one key or several, `…_by` keys included – and every function of the project
that creates a row of one (`Model.objects.create/get_or_create/update_or_create/bulk_create`, `Model(…)`). A
model is either a door, and then each of its writers must reach one of the contact checks (by calling one, by
calling a function that does, or by being called only from functions that do: a helper after the check), or it
says in NO_SECOND_PERSON why a row of it is no contact with a second person (a person's own row, a band's own, a
row between parties already dealing with each other, an organisation's). A writer of a door that is no contact
says why in NOT_CONTACT. A new model, or a new writer of a door, that reaches no check fails the suite the day it
is added; run with `-s` to read which models and doors it found."""

import ast
from collections import defaultdict
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

from stageslot.privacy.person_data import MAP
from stageslot.tests import source as shared
from stageslot.tests.test_layers import LAYERS

ROOT = Path(settings.BASE_DIR)
# The one contact check (accounts.blocks.contact_check; bookings.services.checks.contact_check is the same check
# for the booking doors), its forms for slots and bookings, and its filter for many people at once (contact_open:
# a show's news to its audience).
CHECKS = {"contact_check", "booking_contact_check", "slot_contact_check", "slot_booking_check", "contact_open"}
PARTY_MODELS = {"accounts.User", "bands.Band", "venues.Venue", "teams.Organisation"}
# What a row can name beside the parties: a stand-in of a band's pool is a person by address, with or without an
# account (an ask names the stand-in, not the account).
NAMED_MODELS = PARTY_MODELS | {"gigs.StandIn"}
CREATES = {"create", "get_or_create", "update_or_create", "bulk_create"}

# The demo world's builders (stageslot/demo/) write what a demonstration needs, through no door.
DEMO_DATA = "demo"
# Writers of a contact row that are no contact from one party to another, each with why.
NOT_CONTACT = {
    "bookings/services/shows.py:show_host": "a band books itself on the show it hosts",
    "bookings/services/reschedule.py:_moved": "an unsaved copy at new times for the radius check",
    "festivals/services/timetable.py:placement_offer": "a festival's organisation offers an act a set; organisations "
    "are not blocked (decision 0081)",
    "festivals/services/timetable.py:placement_move": "the organisation moves an act it placed (decision 0081)",
}

# Why a row of these models is no new contact with a second person (the reasons many share are named once).
OWN = "a person's own row, written by them or for them about themself only"
BAND_OWN = "a band's own row, written by its leaders about the band itself: it names nobody else"
VENUE_OWN = "a venue's own row, written by its staff about the venue itself: it names nobody else"
ACTOR = "names only who did it (…_by, an author, an actor) on a booking or a thread whose door ran the check"
BOOKED = "money or paperwork of a gig already booked, between parties already dealing with each other"
ORGANISATION = "an organisation's own row or link: organisations are not blocked (decision 0081)"
TO_STAFF = "a report or a record for the site's staff: it never reaches the person it is about"
NO_SECOND_PERSON = {
    # People: their settings, sign-in, time and data.
    "accounts.AccountClosure": OWN,
    "accounts.ApiToken": OWN,
    "accounts.DataExport": OWN,
    "accounts.IdempotencyKey": OWN,
    "accounts.NotificationPreference": OWN,
    "accounts.PushSubscription": OWN,
    "accounts.TwoFactorMethod": OWN,
    "availability.ExternalCalendar": OWN,
    "availability.Rule": OWN,
    "availability.BusyInterval": "a person's busy time, copied from their own rules and calendars and the gigs they "
    "play (a stand-in's by their own yes)",
    "bookings.ThreadRead": OWN,
    "calendars.ConnectedCalendar": OWN,
    "fans.FanProfile": OWN,
    "gigs.TourFeed": "a traveller's own calendar address of a tour they are on",
    "accounts.Block": "the block itself: whom its maker wants no contact with",
    "accounts.Notification": "the site telling its recipient what another did (the actor, a reference drawn as a "
    "name): written after the door of that write passed the contact check, never a write of the actor's own",
    "accounts.Report": TO_STAFF,
    "reviews.ReviewReport": TO_STAFF,
    "reviews.ModerationLog": TO_STAFF,
    # Bands and venues: what they keep about themselves.
    "bands.Band": "a band, made by its first leader (its other members join through Membership)",
    "bands.BandBlock": "a band's own calendar entry (its guests are stand-ins who said yes to an ask)",
    "bands.BandEmbed": BAND_OWN,
    "bands.BandPhoto": BAND_OWN,
    "bands.CityDemand": "a band's own counts of its fans' asks by city: no person named",
    "bands.LineupNeed": BAND_OWN,
    "bands.Package": BAND_OWN,
    "bands.Section": BAND_OWN,
    "bookings.RadiusClause": BAND_OWN,
    "bookings.SavedSearch": BAND_OWN,
    "bookings.SavedTour": BAND_OWN,
    "bookings.ShareLink": BAND_OWN,
    "embeds.EmbedStyle": BAND_OWN,
    "gigs.Song": BAND_OWN,
    "gigs.Tour": "a band's own tour of its own booked gigs (who else travels: TourTraveller, a door)",
    "venues.Venue": "a venue, made by its first owner (its other staff join through VenueStaff)",
    "venues.Stage": VENUE_OWN,
    "venues.VenuePhoto": VENUE_OWN,
    "holds.ClosedDay": VENUE_OWN,
    "documents.ContractTemplate": "a band's or a venue's own contract template",
    "documents.LegalDetails": "a person's, a band's or a venue's own legal details",
    "bookings.CalendarFeed": "one owner (a person, a band or a venue), never two",
    "bookings.Webhook": "one owner (a band or a venue), never two",
    # Joining: by one's own accept of an invite (the invite is the door, and runs the check).
    "bands.Membership": "a person joins a band by an invite they accept, or the band's leaders add them",
    "venues.VenueStaff": "a person joins a venue's staff by an invite they accept",
    "teams.OrgMember": "a person joins an organisation by an invite; organisations are not blocked (0081)",
    "gigs.GigAnswer": "a member's own place at their band's gig; a stand-in takes one by their own yes to an ask "
    "(StandInAsk, a door)",
    "gigs.TourStayGuest": "a room for someone already in the touring party (a member, or a traveller let in "
    "by their own yes to an invitation, which runs the check)",
    "gigs.TourCost": "a budget line for someone already in the touring party (see gigs.TourStayGuest)",
    # On a booking already made: its doors (messages, quotes, files, new times) run the check.
    "bookings.BookingEvent": ACTOR,
    "bookings.RadiusWaiver": ACTOR,
    "bookings.BillMessage": "a show bill's shared thread, between acts booked on it, is no door (decision 0081)",
    "bookings.RequestGroup": "a client's own group of requests; each request in it passes the check",
    "holds.HoldEvent": ACTOR,
    "gigs.AdvanceComment": ACTOR,
    "gigs.AdvanceItem": ACTOR,
    "gigs.DaySheet": "who wrote it, and each side's contact picked from that side's own people (decision 0134)",
    "gigs.SetList": ACTOR,
    "gigs.GuestEntry": "a guest of a booked gig, named by text by the gig's side: nobody's account",
    "documents.Contract": BOOKED,
    "documents.ContractSignature": "a signer's own signature of their booking's contract",
    "documents.Invoice": BOOKED,
    "payments.LedgerEntry": BOOKED,
    "payments.Payment": BOOKED,
    "payments.Payout": BOOKED,
    "payments.Refund": BOOKED,
    "payments.Settlement": BOOKED,
    "payments.SettlementBonus": BOOKED,
    "payments.SettlementCost": BOOKED,
    "payments.MemberSplit": "a band sharing a gig's fee with its own member or the stand-in who took the place",
    "payments.MemberPayout": "a band paying its own member",
    # Organisations (decision 0081). Their invite by email is a door (OrgInvite).
    "teams.Organisation": ORGANISATION,
    "teams.Representation": ORGANISATION,
    "teams.VenueLink": ORGANISATION,
    "festivals.Festival": ORGANISATION,
    "festivals.OpenCall": ORGANISATION,
    "festivals.Application": "a band applies to an organisation's open call: " + ORGANISATION,
    "festivals.Placement": "an organisation offers an act a set: " + ORGANISATION,
    "festivals.Juror": "someone of the organisation already (joined by its invite, a door) put on its jury",
    "festivals.Score": "a juror's own score of an application",
    "venues.Slot": "a venue's slot, or a band's show at a place: the acts ask through bookings' doors",
    # Rows addressed to a person by their address that reach nobody: the person's own.
    "accounts.InboundMail": "mail a person sent to StageSlot themselves, kept to answer it: nobody else's contact",
    "accounts.MailSuppression": "an address that asked for no more mail: the person's own stop, no contact",
}
# The doors as they are today: the walk must keep finding them (so it can fail).
KNOWN_DOORS = {
    "bookings.Booking",
    "fans.Follow",
    "fans.Ask",
    "holds.Hold",
    "reviews.Review",
    "bands.BandInvite",
    "venues.VenueInvite",
    "teams.OrgInvite",
    "bookings.OfferInvite",
    "gigs.StandIn",
    "gigs.StandInRequest",
    "gigs.StandInAsk",
    "gigs.TourTraveller",
    "gigs.TourInvite",
}


def _keys(model, targets: set[str], *, actors: bool) -> list[str]:
    """The names of `model`'s keys to one of `targets` (`…_by` keys, which only say who acted, when `actors`)."""
    return [
        field.name
        for field in model._meta.get_fields()
        if (field.many_to_one or field.many_to_many or field.one_to_one)
        and field.concrete
        and field.related_model._meta.label in targets
        and (actors or not field.name.endswith("_by"))
    ]


def _addressed() -> dict[str, list[str]]:
    """The models whose rows reach a person by their address, account or not (an invite: the person-data map's
    `by_email`): {label: those email fields}."""
    return {entry.label: list(entry.by_email) for entry in MAP if entry.by_email}


def named_models() -> dict[str, list[str]]:
    """Every model of the project's apps with a key to a person, a party or a stand-in, or an address it reaches
    a person by: {label: its keys}."""
    addressed = _addressed()
    return {
        model._meta.label: keys
        for model in apps.get_models()
        if model._meta.app_label in LAYERS
        and (keys := _keys(model, NAMED_MODELS, actors=True) + addressed.get(model._meta.label, []))
    }


def two_party_models() -> list[str]:
    """The models that join two parties (two keys to people, bands, venues or organisations; `…_by` not counted)."""
    return sorted(
        model._meta.label for model in apps.get_models() if len(_keys(model, PARTY_MODELS, actors=False)) >= 2
    )


def _project_files() -> list[Path]:
    files = []
    for app in LAYERS:
        for path in (ROOT / app).rglob("*.py"):
            parts = set(path.relative_to(ROOT).parts)
            if not parts & {"tests", "migrations", "management", DEMO_DATA}:
                files.append(path)
    return files


def _called_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _creates(node: ast.Call, names: set[str]) -> str | None:
    """The model of `names` this call creates a row of (or builds one to be saved), or None. `Model(pk=…)`
    alone names a row that is there already."""
    func = node.func
    if isinstance(func, ast.Name) and func.id in names:
        return None if {k.arg for k in node.keywords} <= {"pk", "id"} and not node.args else func.id
    if isinstance(func, ast.Attribute) and func.attr in CREATES:
        manager = func.value
        if isinstance(manager, ast.Attribute) and manager.attr == "objects" and isinstance(manager.value, ast.Name):
            return manager.value.id if manager.value.id in names else None
    return None


def _models_imported(path: Path, app: str, models: dict[str, str]) -> set[str]:
    """The names of `models` ({name: app}) this module imports from their app's models (or defines)."""
    found = set()
    for node in shared.walk_file(path):
        if isinstance(node, ast.ImportFrom) and node.module:
            source = app if node.level else node.module.split(".")[0]
            if node.module.split(".")[-1] == "models" or (node.level and node.module == "models"):
                found |= {alias.name for alias in node.names if models.get(alias.name) == source}
        elif isinstance(node, ast.ClassDef) and models.get(node.name) == app:
            found.add(node.name)
    return found


def writers_and_calls(labels: list[str]):
    """({model name: [function]}, {function: the functions it calls}) for the models of `labels`, a function named
    "path:name". A call is followed by its name where the project defines that name once; a name defined twice or
    more (`save`, `create`, a view's `_refused`) is no edge, so a check is never reached through a namesake (the
    checks' own names excepted: every definition of a check is a check)."""
    models = {label.split(".")[1]: label.split(".")[0] for label in labels}
    assert len(models) == len(labels), "two models of one name: the walk tells models apart by name"
    writers: dict[str, list[str]] = defaultdict(list)
    called_names: dict[str, set[str]] = {}
    where: dict[str, list[str]] = defaultdict(list)
    for path in _project_files():
        app = path.relative_to(ROOT).parts[0]
        names = _models_imported(path, app, models)
        for node in shared.walk_file(path):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            function = f"{path.relative_to(ROOT)}:{node.name}"
            where[node.name].append(function)
            called = called_names.setdefault(function, set())
            inner_calls = [inner for inner in ast.walk(node) if isinstance(inner, ast.Call)]
            called |= {_called_name(inner) for inner in inner_calls}
            for inner in inner_calls:
                if model := _creates(inner, names):
                    writers[model].append(function)
    resolve = {name: found[0] for name, found in where.items() if len(found) == 1 and name not in CHECKS}
    resolve |= {name: name for name in CHECKS}
    calls = {function: {resolve[n] for n in called if n in resolve} for function, called in called_names.items()}
    return writers, calls


def reaching(callers: dict[str, set[str]]) -> set[str]:
    """The functions that reach a contact check: they call one, or a function that does (up the callers)."""
    reach, todo = set(CHECKS), list(CHECKS)
    while todo:
        for caller in callers.get(todo.pop(), ()):
            if caller not in reach:
                reach.add(caller)
                todo.append(caller)
    return reach


def passes(function: str, callers: dict[str, set[str]], reach: set[str], seen: frozenset = frozenset()) -> bool:
    """Whether a writer reaches a check, or is called only by functions that pass (a helper after the check)."""
    if function in reach:
        return True
    found = callers.get(function, set()) - seen
    return bool(found) and all(passes(c, callers, reach, seen | {function}) for c in found)


def callers_of(calls: dict[str, set[str]]) -> dict[str, set[str]]:
    callers: dict[str, set[str]] = defaultdict(set)
    for caller, called in calls.items():
        for function in called:
            callers[function].add(caller)
    return callers


def test_the_walk_finds_every_model_that_names_a_person_or_a_party():
    found = named_models()
    for label in ("bookings.Booking", "fans.Follow", "fans.Ask", "reviews.Review", "holds.Hold"):
        assert label in two_party_models()
    assert "bands.BandBlock" not in two_party_models()  # a band and who wrote it down: one party
    # One key is enough: an invite, a stand-in, a traveller, a stand-in's ask (by its stand-in), a busy time.
    for label in (
        *("bands.BandInvite", "gigs.StandIn", "gigs.StandInAsk", "gigs.TourTraveller", "availability.Rule"),
        "gigs.TourInvite",  # by its address alone
    ):
        assert label in found
    assert set(NO_SECOND_PERSON) <= set(found), sorted(set(NO_SECOND_PERSON) - set(found))  # no stale reason
    assert set(found) - set(NO_SECOND_PERSON) >= KNOWN_DOORS


@pytest.mark.slow  # reads the whole project's code (parsed once for every code scan of the process)
def test_every_writer_of_a_row_that_names_another_person_or_party_passes_the_contact_check():
    found = named_models()
    doors = sorted(set(found) - set(NO_SECOND_PERSON))
    writers, calls = writers_and_calls(doors)
    callers = callers_of(calls)
    reach = reaching(callers)
    assert set(doors) >= KNOWN_DOORS
    unwritten = sorted(label for label in doors if not writers.get(label.split(".")[1]))
    unchecked = sorted(
        f"{label}: {function}"
        for label in doors
        for function in writers.get(label.split(".")[1], [])
        if function not in NOT_CONTACT and not passes(function, callers, reach)
    )
    print(f"\n{len(found)} models name a person or a party; {len(doors)} are doors, each writer checked:")
    for label in doors:
        print(f"  {label} ({', '.join(found[label])}): {', '.join(sorted(set(writers.get(label.split('.')[1], []))))}")
    print(f"{len(NO_SECOND_PERSON)} name no second person: {', '.join(sorted(NO_SECOND_PERSON))}")
    assert not unwritten, (
        "Models that name a person or a party with no writer found (write them through a service that runs the "
        "contact check, or say in NO_SECOND_PERSON why they are no contact):\n" + "\n".join(unwritten)
    )
    assert not unchecked, (
        "Writers of a row naming another person or party that reach no contact check (call "
        "accounts.blocks.contact_check or a form of it, or say why in NOT_CONTACT / NO_SECOND_PERSON):\n"
        + "\n".join(unchecked)
    )


def test_a_writer_without_the_check_is_found():
    """The walk's parts on code that is not the project's: a new writer of a door, and whether it passes."""
    code = ast.parse(
        "def traveller_sneak_in(tour, user):\n    TourTraveller.objects.create(tour=tour, user=user)\n"
        "def traveller_add(tour, user):\n    contact_check(asking=a, asked=b, name='')\n    _write(tour, user)\n"
        "def _write(tour, user):\n    TourTraveller(tour=tour, user=user).save()\n"
    )
    functions = {node.name: node for node in code.body}
    writes = {
        name: {_creates(call, {"TourTraveller"}) for call in ast.walk(node) if isinstance(call, ast.Call)} - {None}
        for name, node in functions.items()
    }
    assert writes == {"traveller_sneak_in": {"TourTraveller"}, "traveller_add": set(), "_write": {"TourTraveller"}}
    calls = {
        name: {_called_name(c) for c in ast.walk(node) if isinstance(c, ast.Call)} for name, node in functions.items()
    }
    calls = {name: {c for c in called if c in functions or c in CHECKS} for name, called in calls.items()}
    callers = callers_of(calls)
    reach = reaching(callers)
    assert passes("_write", callers, reach)  # a helper called only after the check
    assert not passes("traveller_sneak_in", callers, reach)
