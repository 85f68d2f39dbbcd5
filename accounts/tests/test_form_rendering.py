"""The site's form renderer (accounts/form_rendering.py) draws exactly what Django's templates draw."""

import datetime as dt
import re

import pytest
from allauth.account.forms import LoginForm, ResetPasswordForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates
from django.http import QueryDict
from django.utils.safestring import mark_safe

from accounts.form_rendering import BUILDERS, INPUT_TEMPLATES, OnePassRenderer
from accounts.forms.profile import ProfileForm, SignupForm
from bands.forms.manage import BandForm
from bands.forms.search import BandSearchForm
from bookings.forms.detail import CancelForm, GigTimesForm
from bookings.forms.feeds import FeedCreateForm
from bookings.forms.finder import FinderForm
from venues.forms.search import VenueSearchForm

pytestmark = pytest.mark.django_db

# The templates accounts/form_rendering.py stands in for, as Django 5.2 ships them. When a Django upgrade
# changes one, this fails: bring the function in form_rendering.py in line, then the text here.
MIRRORED = {
    "django/forms/field.html": (
        "{% if field.use_fieldset %}\n"
        '  <fieldset{% if field.aria_describedby %} aria-describedby="{{ field.aria_describedby }}"{% endif %}>\n'
        "  {% if field.label %}{{ field.legend_tag }}{% endif %}\n"
        "{% else %}\n"
        "  {% if field.label %}{{ field.label_tag }}{% endif %}\n"
        "{% endif %}\n"
        '{% if field.help_text %}<div class="helptext"{% if field.auto_id %} id="{{ field.auto_id }}_helptext"'
        "{% endif %}>{{ field.help_text|safe }}</div>{% endif %}\n"
        "{{ field.errors }}\n"
        "{{ field }}{% if field.use_fieldset %}</fieldset>{% endif %}\n"
    ),
    "django/forms/label.html": (
        "{% if use_tag %}<{{ tag }}{% include 'django/forms/attrs.html' %}>{{ label }}</{{ tag }}>"
        "{% else %}{{ label }}{% endif %}\n"
    ),
    "django/forms/attrs.html": (
        "{% for name, value in attrs.items %}{% if value is not False %} {{ name }}{% if value is not True %}"
        "=\"{{ value|stringformat:'s' }}\"{% endif %}{% endif %}{% endfor %}"
    ),
    "django/forms/div.html": (
        "{{ errors }}\n"
        "{% if errors and not fields %}\n"
        "  <div>{% for field in hidden_fields %}{{ field }}{% endfor %}</div>\n"
        "{% endif %}\n"
        "{% for field, errors in fields %}\n"
        '  <div{% with classes=field.css_classes %}{% if classes %} class="{{ classes }}"{% endif %}{% endwith %}>\n'
        "    {{ field.as_field_group }}\n"
        "    {% if forloop.last %}\n"
        "      {% for field in hidden_fields %}{{ field }}{% endfor %}\n"
        "    {% endif %}\n"
        "</div>\n"
        "{% endfor %}\n"
        "{% if not fields and not errors %}\n"
        "  {% for field in hidden_fields %}{{ field }}{% endfor %}\n"
        "{% endif %}\n"
    ),
    "django/forms/errors/list/default.html": '{% include "django/forms/errors/list/ul.html" %}',
    "django/forms/errors/list/ul.html": (
        '{% if errors %}<ul class="{{ error_class }}"{% if errors.field_id %} id="{{ errors.field_id }}_error"'
        "{% endif %}>{% for error in errors %}<li>{{ error }}</li>{% endfor %}</ul>{% endif %}"
    ),
    "django/forms/widgets/input.html": (
        '<input type="{{ widget.type }}" name="{{ widget.name }}"{% if widget.value != None %} '
        'value="{{ widget.value|stringformat:\'s\' }}"{% endif %}{% include "django/forms/widgets/attrs.html" %}>\n'
    ),
    "django/forms/widgets/attrs.html": (
        "{% for name, value in widget.attrs.items %}{% if value is not False %} {{ name }}"
        "{% if value is not True %}=\"{{ value|stringformat:'s' }}\"{% endif %}{% endif %}{% endfor %}"
    ),
    **{
        name: '{% include "django/forms/widgets/input.html" %}\n'
        for name in INPUT_TEMPLATES
        if name != "django/forms/widgets/input.html"
    },
}


def test_the_site_renders_forms_with_it():
    assert settings.FORM_RENDERER == "accounts.form_rendering.OnePassRenderer"
    assert isinstance(forms.Form().renderer, OnePassRenderer)


@pytest.mark.parametrize("name", sorted(MIRRORED))
def test_djangos_templates_are_still_the_ones_mirrored(name):
    source = DjangoTemplates().engine.get_template(name).template.source
    assert source == MIRRORED[name]


def test_every_template_built_in_python_is_checked_above():
    assert set(BUILDERS) <= set(MIRRORED)


class Everything(forms.Form):
    """Each case the mirrored templates branch on."""

    required_css_class = "is-required"
    error_css_class = "has-error"

    name = forms.CharField(label="Name <b>bold</b>", help_text="Say <em>who</em> you are.", max_length=20)
    email = forms.EmailField(required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    secret = forms.CharField(required=False, widget=forms.PasswordInput(render_value=True))
    count = forms.IntegerField(required=False, min_value=0, widget=forms.NumberInput(attrs={"step": 1}))
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    at = forms.DateTimeField(required=False)
    agree = forms.BooleanField(required=False, label="I agree?")
    flags = forms.BooleanField(
        required=False,
        label="",
        widget=forms.CheckboxInput(attrs={"data-on": True, "data-off": False, "data-none": None, "title": 'a "q"'}),
    )
    safe = forms.CharField(required=False, widget=forms.TextInput(attrs={"data-html": mark_safe("<i>&amp;</i>")}))
    picks = forms.MultipleChoiceField(
        required=False, choices=[("a", "A & B"), ("c", "C")], widget=forms.CheckboxSelectMultiple, help_text="Any."
    )
    size = forms.ChoiceField(required=False, choices=[("s", "Small"), ("l", "<Large>")], widget=forms.RadioSelect)
    colour = forms.ChoiceField(required=False, choices=[("", "None"), ("r", "Red")])
    note = forms.CharField(required=False, widget=forms.Textarea)
    upload = forms.FileField(required=False)
    token = forms.CharField(widget=forms.HiddenInput)
    again = forms.CharField(required=False, widget=forms.HiddenInput, show_hidden_initial=True, initial="x")
    own_id = forms.CharField(required=False, widget=forms.TextInput(attrs={"id": "custom-id"}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("email") == "taken@example.com":
            raise forms.ValidationError("That <address> is taken.")
        return cleaned


class OnlyHidden(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)
    step = forms.IntegerField(widget=forms.HiddenInput, initial=2)


def everything_cases():
    bad = {"name": "", "email": "taken@example.com", "count": "-3", "day": "soon", "token": "", "size": "x"}
    good = {
        "name": "Mara <script>",
        "email": "a@example.com",
        "secret": "s3cret & more",
        "count": "4",
        "day": "2026-03-01",
        "at": "2026-03-01 20:00",
        "agree": "on",
        "flags": "on",
        "safe": "x",
        "picks": ["a"],
        "size": "l",
        "colour": "r",
        "note": "Line <1>\nLine 2",
        "token": "t",
        "again": "y",
        "own_id": "z",
    }
    return {
        "unbound": lambda: Everything(initial={"name": "Init & co", "day": dt.date(2026, 1, 2)}),
        "invalid": lambda: Everything(bad),
        "valid": lambda: Everything(good),
        "no ids": lambda: Everything(bad, auto_id=False),
        "label suffix": lambda: Everything(bad, label_suffix=" →", auto_id="f-%s"),
        "only hidden fields": lambda: OnlyHidden(),
        "only hidden fields, with errors": lambda: OnlyHidden({"step": "x"}),
    }


def project_forms():
    from bands.models import Genre

    Genre.objects.create(name="Jazz", slug="jazz")
    genres = list(Genre.objects.all())
    search = QueryDict("q=owls&genre=jazz&genre=nope&fee_min=x&fee_max=-1&country=ZZ&free_on=soon&sort=odd")
    capacity = QueryDict("capacity_min=9&capacity_max=1")
    finder = QueryDict("date_from=2026-01-09&date_until=2026-01-02&playable=on")
    return {
        "band search": lambda: BandSearchForm(search, genres=genres, countries=["DE", "GB"]),
        "venue search": lambda: VenueSearchForm(capacity, genres=genres, countries=[]),
        "finder": lambda: FinderForm(finder, genres=genres, countries=["DE"], bands=[], zone=dt.UTC),
        "login": lambda: LoginForm(data={"login": "x"}),
        "login unbound": lambda: LoginForm(),
        "signup": lambda: AllauthSignupForm(data={"email": "nope", "password1": "a"}),
        "signup extra": lambda: SignupForm(),
        "password reset": lambda: ResetPasswordForm(data={"email": ""}),
        "profile": lambda: ProfileForm(data={"time_zone": "Mars/Base"}),
        "band": lambda: BandForm(data={"name": "", "fee_min": "x"}),
        "cancel": lambda: CancelForm(data={"reason": "<why>"}),
        "gig times": lambda: GigTimesForm(data={"load_in_minutes": "9999"}),
        "feed": lambda: FeedCreateForm(data={"scope": "band"}),
    }


def drawings(form, renderer) -> dict[str, str]:
    """Everything a template may draw of a form, by what it is, through `renderer`."""
    form.renderer = renderer
    if form.is_bound:
        form.is_valid()
    out = {"form": str(form), "as_div": form.as_div(), "non field errors": str(form.non_field_errors())}
    for bf in form:
        out[f"{bf.name} group"] = bf.as_field_group()
        out[f"{bf.name} widget"] = str(bf)
        out[f"{bf.name} hidden"] = bf.as_hidden()
        out[f"{bf.name} label"] = bf.label_tag()
        out[f"{bf.name} label with attrs"] = bf.label_tag(attrs={"class": "x", "data-on": True, "data-off": False})
        out[f"{bf.name} legend"] = bf.legend_tag()
        out[f"{bf.name} errors"] = str(bf.errors)
    return out


@pytest.mark.parametrize("case", [*everything_cases(), "project forms"])
def test_it_draws_every_case_as_djangos_templates_do(case):
    builds = project_forms() if case == "project forms" else {case: everything_cases()[case]}
    for label, build in builds.items():
        theirs, ours = drawings(build(), DjangoTemplates()), drawings(build(), OnePassRenderer())
        assert ours.keys() == theirs.keys()
        for part, html in theirs.items():
            assert ours[part] == html, f"{label}: {part}"


def test_the_cases_reach_every_branch_of_the_templates():
    """So that the comparison above cannot pass by drawing nothing."""
    invalid = drawings(everything_cases()["invalid"](), OnePassRenderer())
    assert invalid["form"].startswith(
        '<ul class="errorlist nonfield"><li>That &lt;address&gt; is taken.</li><li>(Hidden field token) '
    )
    # Django joins a set of classes: either order.
    assert re.search(r'<div class="(has-error is-required|is-required has-error)">', invalid["form"])
    assert invalid["picks group"].startswith(
        '<fieldset aria-describedby="id_picks_helptext">\n  <legend>Picks:</legend>'
    )
    assert invalid["name group"] == (
        '<label for="id_name" class="is-required">Name &lt;b&gt;bold&lt;/b&gt;:</label>\n\n'
        '<div class="helptext" id="id_name_helptext">Say <em>who</em> you are.</div>\n'
        '<ul class="errorlist" id="id_name_error"><li>This field is required.</li></ul>\n'
        '<input type="text" name="name" maxlength="20" required aria-invalid="true" '
        'aria-describedby="id_name_helptext id_name_error" id="id_name">'
    )
    unbound = drawings(everything_cases()["unbound"](), OnePassRenderer())
    assert unbound["flags widget"] == (
        '<input type="checkbox" name="flags" data-on data-none="None" title="a &quot;q&quot;" id="id_flags">'
    )
    assert 'data-html="<i>&amp;</i>"' in unbound["safe widget"]
    assert 'value="Init &amp; co"' in unbound["name widget"]
    assert drawings(everything_cases()["no ids"](), OnePassRenderer())["name label"] == "Name &lt;b&gt;bold&lt;/b&gt;:"
    hidden = drawings(everything_cases()["only hidden fields, with errors"](), OnePassRenderer())
    assert '</ul>\n\n  <div><input type="hidden" name="token" id="id_token">' in hidden["form"]
    only_hidden = drawings(everything_cases()["only hidden fields"](), OnePassRenderer())
    assert only_hidden["form"] == (
        '<input type="hidden" name="token" id="id_token"><input type="hidden" name="step" value="2" id="id_step">'
    )
