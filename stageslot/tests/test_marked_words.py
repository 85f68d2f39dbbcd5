"""Every sentence a person reads from Python is marked for translation.

The pseudo-locale walks (test_pseudo_locale.py in each app) find unmarked words on the pages they draw;
refusals, API problems and flash messages are only drawn when something goes wrong, so a walk misses
most of them. This test reads the source instead: a refusal raised, a problem answered or a message
flashed with a bare string literal (or an f-string) is a sentence nobody can translate. The staff
screens too: an admin's notices (message_user), its columns' and actions' descriptions, its fieldset and
list filter titles and the admin site's titles.

    raise BookingError("This slot is taken.")            # found
    raise BookingError(_("This slot is taken."))         # marked
    @admin.action(description="Approve")                 # found
    fieldsets = (("Profile", {"fields": …}),)            # found

Words also reach a page without passing such a call: a constant of labels the page looks up, a
(value, label) choice put together at run time, a function whose name says it gives words (a
`…_problem`, a `…_label`) returning an f-string, a form's errors filled in by hand. Those are read too:

    DAY_WORDS = {"free": "Free", "busy": "Not free"}       # found
    return [*bands, ("client", "My private requests")]    # found
    def instant_limit_problem(…): return f"{band} is full."  # found
    errors["starts_at"] = [f"Starts after {x}."]           # found
"""

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models
from django.utils.functional import Promise
from django_countries.fields import CountryField

from stageslot.tests import source as shared

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "accounts",
    "analytics",
    "availability",
    "bands",
    "bookings",
    "calendars",
    "core",
    "documents",
    "embeds",
    "gigs",
    "holds",
    "payments",
    "places",
    "reviews",
    "stageslot",
    "teams",
    "venues",
]
# Not read by the people using the product: tests, migrations, management commands (an operator's
# console), and the demo world's builders.
SKIPPED_PARTS = {"tests", "migrations", "management"}
SKIPPED_FILES = {
    "stageslot/demo/client.py",
    "stageslot/demo/shows.py",
    "stageslot/demo/bookings.py",
    # The demo people's own messages: data typed by a person, never translated.
    "stageslot/demo/conversations.py",
}

# Exceptions whose message a person reads (the pages flash it, the API answers it as a problem's detail).
REFUSALS = {
    "ValidationError",
    "PermissionDenied",
    "AvailabilityError",
    "AvailabilityPermissionError",
    "BandError",
    "BandPermissionError",
    "MembershipError",
    "BandLimitError",
    "BookingError",
    "BookingConflict",
    "BookingPermissionError",
    "FeedPermissionError",
    "FeedError",
    "InviteError",
    "ReviewError",
    "ReviewPermissionError",
    "RuleError",
    "SlotPermissionError",
    "SlotClashError",
    "WebhookPermissionError",
    "PlaceNotFound",
    "LimitReached",
    "HoldError",
    "HoldPermissionError",
    "TeamsError",
    "TeamsPermissionError",
    "CalendarSyncError",
    "CalendarAuthError",
    "CalendarPermissionError",
    "OutboundRefused",
    "DeliveryFailed",
}
# Callables whose message argument a person reads: (name, position of the message).
MESSAGES = {"ApiProblem": 1, "problem_response": 1, "HttpError": 1, "add_error": 1, "message_user": 1}
FLASHES = {"success", "info", "warning", "error", "debug"}  # messages.success(request, "…")
DESCRIBED = {"display", "action"}  # @admin.display(description="…"), @admin.action(description="…")
# Class attributes a person reads: a list filter's title, an inline's names (`fieldsets` are read apart).
READ_ATTRIBUTES = {"title", "verbose_name", "verbose_name_plural"}
FIELDSETS = {"fieldsets", "add_fieldsets"}
# Attributes set on an object that a person reads: admin.site.site_header = "…", f.short_description = "…".
READ_SET_ATTRIBUTES = {"site_header", "site_title", "index_title", "short_description"}


# A label a person reads: a capitalised English word or phrase ("Free", "Partly free", "Don't know",
# "Your busy time."), not a code ("UNTIL", "badge--success", "application/pdf", "within_km").
LABEL = re.compile(r"^[A-Z][a-z]+(?:[ '’-][A-Za-z][a-z]*|[,.:;!?()–])*$")
# A (value, label) choice's value: a code in lower case ("client", "sold_out", "band:12").
CODE = re.compile(r"^[a-z0-9_:-]+$")
# A function or property whose name says it gives words to read: what it returns is a sentence.
WORDY = re.compile(r"(^|_)(problem|label|words|text|title|message|summary|reason)s?$")
# Where a bare label or sentence is meant, each with its reason: (file, name of the constant or function).
ALLOWED = {
    # The calendar feeds (ICS) are written in English for every subscriber: a calendar app fetches them
    # with no language of its own, and the feed's other lines are English as well.
    ("bookings/selectors/feeds.py", "ANSWER_WORDS"),
    ("bookings/selectors/feeds.py", "gig_summary"),
    # A gig's line in its members' calendars is stored once (BusyInterval.title) for every member and
    # every feed: data written at booking time, not a page's words.
    ("bookings/services/book.py", "gig_block_title"),
    # Why a model holds no person: notes for whoever adds a model, read by stageslot/tests/test_person_data.py.
    ("stageslot/privacy/person_data.py", "NOT_PERSONAL"),
}


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _bare(node: ast.expr | None) -> bool:
    """A literal sentence: a string constant with a letter in it, or an f-string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return any(ch.isalpha() for ch in node.value)
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and any(ch.isalpha() for ch in v.value) for v in node.values)
    if isinstance(node, ast.BinOp):  # "…" + "…", "…" % value
        return _bare(node.left)
    if isinstance(node, ast.Call) and _name(node.func) == "format":  # "…".format(…)
        return isinstance(node.func, ast.Attribute) and _bare(node.func.value)
    if isinstance(node, ast.Dict):
        return any(_bare(v) for v in node.values)
    if isinstance(node, (ast.List, ast.Tuple)):
        return any(_bare(v) for v in node.elts)
    return False


def _assigned(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Class attributes and object attributes a person reads, given a bare sentence."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for statement in node.body:
                if not isinstance(statement, ast.Assign):
                    continue
                for target in statement.targets:
                    if not isinstance(target, ast.Name):
                        continue
                    if target.id in READ_ATTRIBUTES and _bare(statement.value):
                        yield statement.lineno, target.id
                    elif target.id in FIELDSETS and isinstance(statement.value, (ast.Tuple, ast.List)):
                        titles = [
                            s.elts[0] for s in statement.value.elts if isinstance(s, (ast.Tuple, ast.List)) and s.elts
                        ]
                        if any(_bare(title) for title in titles):
                            yield statement.lineno, target.id
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr in READ_SET_ATTRIBUTES and _bare(node.value):
                    yield node.lineno, target.attr


def _label(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(LABEL.match(node.value))


def _labels(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Constants of labels (NAME = {key: "Label"}) and (value, label) choices built of bare strings."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Dict):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name) and t.id.lstrip("_").isupper()]
            if names and any(_label(value) for value in node.value.values):
                yield node.lineno, names[0]
        elif isinstance(node, ast.Tuple) and len(node.elts) == 2:
            value, label = node.elts
            if (
                isinstance(value, ast.Constant)
                and isinstance(value.value, str)
                and CODE.match(value.value)
                and _label(label)
                and " " in label.value
            ):
                yield node.lineno, "choice"


def _sentence(value: ast.expr) -> bool:
    """An f-string (or a string put together) with words in it, or a literal of more than one word."""
    if isinstance(value, ast.Constant):
        return isinstance(value.value, str) and " " in value.value and _bare(value)
    return _bare(value)


def _wordy_returns(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Functions named for the words they give (…_problem, …_label, a `label` property) returning an
    f-string or a sentence literal; and a form's errors filled in by hand with one."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and WORDY.search(node.name):
            for inner in ast.walk(node):
                if not isinstance(inner, ast.Return) or inner.value is None:
                    continue
                values = [inner.value]
                while any(isinstance(v, ast.IfExp) for v in values):
                    values = [w for v in values for w in ((v.body, v.orelse) if isinstance(v, ast.IfExp) else (v,))]
                if any(_sentence(value) for value in values):
                    yield inner.lineno, node.name
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Subscript) and _name(target.value) == "errors" and _bare(node.value):
                    yield node.lineno, "errors"


def _unmarked(tree: ast.AST) -> Iterator[tuple[int, str]]:
    yield from _assigned(tree)
    yield from _labels(tree)
    yield from _wordy_returns(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        message: ast.expr | None = None
        if name in REFUSALS:
            message = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "message"), None)
        elif name in MESSAGES:
            position = MESSAGES[name]
            message = node.args[position] if len(node.args) > position else None
            if message is None:
                message = next((k.value for k in node.keywords if k.arg in ("detail", "message", "error")), None)
        elif (
            name in FLASHES
            and isinstance(node.func, ast.Attribute)
            and _name(node.func.value) == "messages"
            and len(node.args) > 1
        ):
            message = node.args[1]
        elif name in DESCRIBED and isinstance(node.func, ast.Attribute) and _name(node.func.value) == "admin":
            message = next((k.value for k in node.keywords if k.arg == "description"), None)
        if message is not None and _bare(message):
            yield node.lineno, name


def unmarked_in(app: str) -> list[str]:
    found = []
    for path in sorted((ROOT / app).rglob("*.py")):
        relative = path.relative_to(ROOT)
        if SKIPPED_PARTS & set(relative.parts) or relative.as_posix() in SKIPPED_FILES:
            continue
        tree = shared.parse(path.read_text(encoding="utf-8"), filename=str(relative))
        found += [
            f"{relative}:{line}: {name} with an unmarked sentence"
            for line, name in _unmarked(tree)
            if (relative.as_posix(), name) not in ALLOWED
        ]
    return found


@pytest.mark.parametrize("app", APPS)
def test_every_refusal_problem_and_message_is_marked_for_translation(app):
    assert unmarked_in(app) == []


def test_the_check_finds_what_it_looks_for():
    source = (
        "raise BookingError('This slot is taken.')\n"
        "raise BookingError(_('This slot is taken.'))\n"
        "raise ValidationError({'starts_at': f'Starts after {x}.'})\n"
        "raise ApiProblem(409, 'Taken.')\n"
        "raise ApiProblem(409, str(exc))\n"
        "messages.success(request, 'Saved.')\n"
        "messages.success(request, gettext('Saved.'))\n"
        "form.add_error('name', 'Pick another name.')\n"
        "form.add_error(None, exc.messages[0])\n"
        "raise BookingError('%s is busy.' % who)\n"
        "self.message_user(request, f'Approved {n} band(s).', messages.SUCCESS)\n"
        "self.message_user(request, ngettext('Approved %(count)s band.', 'Approved %(count)s bands.', n) % v)\n"
        "@admin.display(description='Members', ordering='member_total')\n"
        "def member_count(self, band): ...\n"
        "@admin.action(description=_('Approve'), permissions=['change'])\n"
        "def approve(self, request, queryset): ...\n"
        "class KindFilter(admin.SimpleListFilter):\n"
        "    title = 'kind'\n"
        "    parameter_name = 'kind'\n"
        "class UserAdmin(admin.ModelAdmin):\n"
        "    fieldsets = ((None, {'fields': ('email',)}), ('Profile', {'fields': ('display_name',)}))\n"
        "    verbose_name_plural = _('History')\n"
        "class BandAdmin(admin.ModelAdmin):\n"
        "    fieldsets = ((None, {'fields': ('name',)}), (_('Profile'), {'fields': ('city',)}))\n"
        "admin.site.site_header = 'StageSlot staff'\n"
        "admin.site.index_title = _('Run StageSlot')\n"
    )
    found = sorted(line for line, _name in _unmarked(ast.parse(source)))
    assert found == [1, 3, 4, 6, 8, 10, 11, 13, 18, 21, 25]


def test_the_check_finds_labels_and_sentences_built_outside_those_calls():
    source = (
        "DAY_WORDS = {'free': 'Free', 'partly': 'Partly free'}\n"
        "DAY_WORDS = {'free': _('Free'), 'partly': _('Partly free')}\n"
        "STATUS_BADGES = {'open': 'badge--success', 'booked': ''}\n"
        "_PARTS = {'UNTILL': 'UNTIL'}\n"
        "choices = [*bands, ('client', 'My private requests')]\n"
        "choices = [*bands, ('client', gettext('My private requests'))]\n"
        "kinds = ('application/pdf', 'Portable document')\n"
        "def instant_limit_problem(band):\n"
        "    return f'{band.name} takes at most {n} gigs a day.'\n"
        "def point_problem(lat):\n"
        "    return 'The latitude must lie between -90 and 90.'\n"
        "def length_label(h, m):\n"
        "    return f'{h} h' if h else f'{m} min'\n"
        "def clock_label(s, e):\n"
        "    return f'{s}–{e}'\n"
        "def tell_problem(band):\n"
        "    return _('%(band)s is full.') % {'band': band.name}\n"
        "def kind_label(kind):\n"
        "    return 'badge'\n"
        "errors['starts_at'] = [f'Starts after {x}.']\n"
        "errors['starts_at'] = [_('Starts after %(x)s.') % {'x': x}]\n"
    )
    found = sorted(line for line, _name in _unmarked(ast.parse(source)))
    assert found == [1, 5, 9, 11, 13, 20]


MODEL_APPS = ["accounts", "availability", "bands", "bookings", "payments", "places", "reviews", "venues"]


def unnamed_in_models(label: str) -> list[str]:
    """The names the staff screens, forms and their errors read from a model ("Can view booking", a column's
    header, "Booking with this UID already exists."), given as plain strings rather than lazy translations:
    the model's names, each field's (auto primary keys aside), help texts and the choices' labels.
    A country field's choices are django-countries' names, translated by that package."""
    found = []
    for model in apps.get_app_config(label).get_models():
        opts = model._meta
        for option in ("verbose_name", "verbose_name_plural"):
            if not isinstance(getattr(opts, option), Promise):
                found.append(f"{opts.label}: Meta.{option}")
        for field in [*opts.concrete_fields, *opts.many_to_many]:
            if isinstance(field, models.AutoField) and field.primary_key:
                continue
            # A proxy's fields are its concrete model's, another package's (accounts.TwoFactorMethod over
            # allauth's Authenticator): its admin names the columns itself.
            if opts.proxy and field.model._meta.app_label != label:
                continue
            where = f"{opts.label}.{field.name}"
            if not isinstance(field.verbose_name, Promise):
                found.append(f"{where}: verbose_name {field.verbose_name!r}")
            if field.help_text and not isinstance(field.help_text, Promise):
                found.append(f"{where}: help_text {field.help_text!r}")
            if field.choices and not isinstance(field, CountryField):
                found += [
                    f"{where}: choice {value!r} labelled {name!r}"
                    for value, name in field.flatchoices
                    if not isinstance(name, Promise)
                ]
    return found


@pytest.mark.parametrize("label", MODEL_APPS)
def test_every_model_and_field_name_is_marked_for_translation(label):
    assert unnamed_in_models(label) == []
