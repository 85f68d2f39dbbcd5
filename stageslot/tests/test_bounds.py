"""Every input bounded, in every app (docs/decisions/0095-every-input-bounded.md).

One bound per kind of input, one place that applies it (core/fields/form_fields.py, core/fields/dates.py): a one-line
text refuses line breaks, tabs, controls and direction overrides; a number stays within its column; a date within
the site's window (test_dates.py). The walks find what they check – every form field of every installed project
app, every query name a page reads, every field of the API's schema – and send each the extremes: a clear
refusal, never a 500, nothing changed."""

import pytest
from django import forms
from django.core.exceptions import ValidationError

from core.fields.form_fields import OneLineField
from stageslot.tests.inputs import form_fields, project_apps, project_forms, query_names

pytestmark = pytest.mark.xdist_group("code_scans")

# Text a person cannot type into one line: line breaks of every kind, a tab, a control, a direction override.
NOT_ONE_LINE = [
    "Lake\nFest", "Lake\r\nFest", "Lake\tFest", "Lake\u2028Fest", "Lake\x85Fest", "Lake\x01Fest",
    "Lake \u202eFest", "Lake \u2067Fest",
]  # fmt: skip
# Numbers past every column (an 8-byte one too), at both ends. A 4-byte column's ends (2**31) are the model's
# (test_a_model_form_writes_a_models_fields_within_their_columns) and the pages' (test_every_page_…).
PAST_EVERY_COLUMN = ["1" + "0" * 30, "-" + "9" * 30, str(2**63), "1e400"]
BIGINT_MAX = 2**63 - 1


def one_line_fields() -> list[tuple[str, forms.Field]]:
    """Every text field a person fills in on one line: a CharField (or one built on it) whose widget is not a
    textarea; a password is checked as typed, never stored, and left as it is; a number typed as text (a
    coordinate, with a number input) is read as a number."""
    return [
        (name, field)
        for name, field in form_fields(admin=False)
        if isinstance(field, forms.CharField)
        and not isinstance(field.widget, (forms.Textarea, forms.PasswordInput, forms.NumberInput))
    ]


def number_fields() -> list[tuple[str, forms.Field]]:
    return [
        (name, field)
        for name, field in form_fields(admin=False)
        if isinstance(field, (forms.IntegerField, forms.DecimalField, forms.FloatField))
    ]


def refusals(fields, values) -> list[tuple[str, str, str]]:
    failures = []
    for name, field in fields:
        for value in values:
            try:
                field.clean(value)
            except ValidationError as exc:
                if not exc.messages or not all(exc.messages):
                    failures.append((name, repr(value), "no message"))
            except Exception as exc:
                failures.append((name, repr(value), repr(exc)))
            else:
                failures.append((name, repr(value), "taken"))
    return failures


def test_the_walk_finds_every_project_app_and_its_forms():
    apps = project_apps()
    assert {"fans", "festivals", "bookings", "accounts", "stageslot"} <= set(apps)
    assert "allauth" not in apps and "django.contrib.admin" not in apps
    assert len(project_forms()) > 150
    assert len(form_fields()) > 600


@pytest.mark.django_db
def test_every_one_line_text_of_every_form_refuses_line_breaks_and_direction_overrides():
    fields = one_line_fields()
    assert len(fields) > 150
    failures = refusals(fields, NOT_ONE_LINE)
    assert failures == [], "\n".join(map(str, failures))


def test_every_number_of_every_form_stays_within_its_column():
    fields = number_fields()
    assert len(fields) > 80
    unbounded = [
        name
        for name, field in fields
        if isinstance(field, forms.IntegerField)
        and not isinstance(field, forms.DecimalField)
        and (
            field.max_value is None
            or field.min_value is None
            or not -BIGINT_MAX <= field.min_value <= field.max_value <= BIGINT_MAX
        )
    ]
    assert unbounded == [], "An integer without both bounds: " + ", ".join(unbounded)
    assert refusals(fields, PAST_EVERY_COLUMN) == []


def test_a_model_form_writes_a_models_fields_within_their_columns():
    """A ModelForm's fields are made from the model's: every CharField of a model that a form writes is a
    OneLineField (core.fields.form_fields.bounded_formfield), unless it is a TextField or has choices; every whole
    number stays within its column (a 4-byte one ends at 2**31 - 1)."""
    from django.db import models

    checked, failures = 0, []
    for form in project_forms(admin=False):
        meta = getattr(form, "_meta", None)
        model = getattr(meta, "model", None)
        if model is None or not issubclass(form, forms.ModelForm):
            continue
        for name, field in form.base_fields.items():
            try:
                db_field = model._meta.get_field(name)
            except Exception:  # noqa: S112 – a field the form declares itself (walked above)
                continue
            if type(db_field) is models.CharField and not db_field.choices and name not in form.declared_fields:
                checked += 1
                if not isinstance(field, OneLineField):
                    failures.append(f"{form.__module__}.{form.__name__}.{name}")
            small = isinstance(db_field, models.IntegerField) and not isinstance(
                db_field, (models.BigIntegerField, models.PositiveBigIntegerField)
            )
            if small and not db_field.is_relation and name not in form.declared_fields:
                checked += 1
                if refusals([(name, field)], [str(2**31), str(-(2**31) - 1)]):
                    failures.append(f"{form.__module__}.{form.__name__}.{name}")
    assert checked > 10
    assert failures == []


def test_the_walk_finds_the_query_names_pages_read():
    names, forms_found = query_names()
    assert {"date", "month", "page", "q", "end", "start", "near"} <= names
    assert forms_found > 5
