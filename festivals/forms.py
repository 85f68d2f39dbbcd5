"""Input parsing for calls, applications, scores and the timetable; the rules live in the services."""

import datetime as dt

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from bands.models import Currency, Genre
from core.fields.dates import Bound, BoundedDateField
from core.fields.form_fields import BoundedIntegerField, FeeField, OneLineField, TimeZoneField

from .models import Application, Question


class FestivalChoiceField(forms.ModelChoiceField):
    """A festival by its name, site and days: two festivals of one name (each year's edition) read apart.
    The queryset should select the venue (`select_related("venue")`)."""

    def label_from_instance(self, festival) -> str:
        first = date_format(festival.first_day, "SHORT_DATE_FORMAT")
        last = date_format(festival.last_day, "SHORT_DATE_FORMAT")
        days = first if festival.first_day == festival.last_day else f"{first} – {last}"
        return f"{festival.name} · {festival.venue.name} · {days}"


class Form(forms.Form):
    """Every festivals form: labels without a colon (the label sits above its field)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class CallForm(Form):
    title = OneLineField(label=_("Title"), max_length=120)
    description = forms.CharField(label=_("Description"), max_length=5000, required=False, widget=forms.Textarea)
    first_day = BoundedDateField(label=_("First day"), bound=Bound.AHEAD)
    last_day = BoundedDateField(label=_("Last day"), bound=Bound.AHEAD)
    stages = OneLineField(label=_("Stages"), max_length=300, required=False)
    genres = forms.ModelMultipleChoiceField(label=_("Genres"), queryset=Genre.objects.all(), required=False)
    fee_min = FeeField(label=_("Fee from"), required=False)
    fee_max = FeeField(label=_("Fee up to"), required=False)
    fee_on_offer = forms.BooleanField(label=_("Acts name their fee"), required=False)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial=Currency.EUR)
    travel_paid = forms.BooleanField(label=_("Travel paid"), required=False)
    time_zone = TimeZoneField(
        label=_("The call's time zone"), initial="Europe/Berlin", help_text=_("The deadline is in this zone.")
    )
    deadline_day = BoundedDateField(label=_("Deadline (day)"), bound=Bound.AHEAD)
    deadline_time = forms.TimeField(
        label=_("Deadline (time)"), initial=dt.time(23, 59), widget=forms.TimeInput(attrs={"type": "time"})
    )
    blind = forms.BooleanField(label=_("Blind review"), required=False)
    criteria = OneLineField(
        label=_("Criteria the jury scores"), max_length=400, initial="Music, Live show", help_text=_("Comma separated.")
    )
    festival = FestivalChoiceField(
        label=_("For the festival"),
        queryset=None,
        required=False,
        empty_label=_("No festival yet"),
        help_text=_("The acts you shortlist appear in this festival's timetable builder."),
    )

    def __init__(self, *args, festivals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["festival"].queryset = festivals.select_related("venue")


class CallFestivalForm(Form):
    festival = FestivalChoiceField(
        label=_("For the festival"), queryset=None, required=False, empty_label=_("No festival")
    )

    def __init__(self, *args, festivals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["festival"].queryset = festivals.select_related("venue")


class QuestionForm(Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Question.Kind.choices)
    text = OneLineField(label=_("Question"), max_length=300)
    choices = forms.CharField(label=_("Choices, one a line"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)


class JurorForm(Form):
    email = forms.EmailField(label=_("Juror's email address"))


class ApplicationForm(Form):
    pitch = forms.CharField(label=_("Your pitch"), max_length=2000, required=False, widget=forms.Textarea)
    blind_text = forms.CharField(
        label=_("For a blind jury: your music without your name"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    music_link = forms.URLField(label=_("Music link"), max_length=300, required=False, assume_scheme="https")
    fee = FeeField(label=_("Fee asked"), required=False)

    def __init__(self, *args, questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            key = f"q{question.pk}"
            if question.kind == Question.Kind.CHOICE:
                self.fields[key] = forms.ChoiceField(
                    label=question.text, choices=[("", "—"), *[(c, c) for c in question.choices]], required=False
                )
            else:
                self.fields[key] = OneLineField(label=question.text, max_length=2000, required=False)

    def answers(self) -> dict[str, str]:
        return {f"q{q.pk}": self.cleaned_data.get(f"q{q.pk}") or "" for q in self.questions}


class ScoreForm(Form):
    comment = OneLineField(label=_("Comment"), max_length=1000, required=False)

    def __init__(self, *args, criteria=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for index, criterion in enumerate(self.criteria):
            self.fields[f"c{index}"] = forms.IntegerField(label=criterion, min_value=1, max_value=5)

    def values(self) -> dict[str, int]:
        return {c: self.cleaned_data[f"c{i}"] for i, c in enumerate(self.criteria)}


class DecideForm(Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (Application.Status.SHORTLISTED, _("Shortlist")),
            (Application.Status.REJECTED, _("Reject")),
            (Application.Status.OFFERED, _("Offer")),
        ],
    )
    message = OneLineField(label=_("Kind message to the band"), max_length=1000, required=False)


class PlaceForm(Form):
    """Offer act X a set on stage Y at time T (the keyboard's way; dragging posts the same): a shortlisted act
    (`band`) or any approved band by its name or address (`invite`)."""

    band = forms.SlugField(label=_("Act"), required=False)
    invite = OneLineField(
        label=_("Or invite an act that did not apply"),
        max_length=100,
        required=False,
        help_text=_("The band's name or its address on StageSlot."),
    )
    stage = BoundedIntegerField(label=_("Stage"), min_value=1)
    day = BoundedDateField(label=_("Day"), bound=Bound.PLAN)
    time = forms.TimeField(label=_("Start"), widget=forms.TimeInput(attrs={"type": "time"}))
    minutes = forms.IntegerField(label=_("Set (minutes)"), min_value=10, max_value=360, initial=45)
    radius_km = forms.IntegerField(label=_("Radius clause (km)"), min_value=1, max_value=1000, required=False)
    radius_days = forms.IntegerField(
        label=_("Radius clause: days before and after"), min_value=0, max_value=365, required=False
    )
    fee = FeeField(label=_("Fee"), required=False)
    terms = forms.CharField(label=_("Terms"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    check_only = forms.BooleanField(required=False)

    def clean(self):
        data = super().clean()
        if not data.get("band") and not (data.get("invite") or "").strip():
            self.add_error("invite", _("Choose a shortlisted act, or name a band to invite."))
        return data


class WithdrawForm(Form):
    placement = BoundedIntegerField(label=_("Offer"), min_value=1)


class CounterAnswerForm(Form):
    placement = BoundedIntegerField(label=_("Offer"), min_value=1)
    answer = forms.ChoiceField(label=_("Answer"), choices=[("accept", _("Accept")), ("decline", _("Decline"))])


class MoveForm(Form):
    placement = BoundedIntegerField(label=_("Act"), min_value=1)
    stage = BoundedIntegerField(label=_("Stage"), min_value=1)
    day = BoundedDateField(label=_("Day"), bound=Bound.PLAN)
    time = forms.TimeField(label=_("Start"), widget=forms.TimeInput(attrs={"type": "time"}))


class CallSearchForm(Form):
    q = OneLineField(label=_("Search"), max_length=100, required=False)
    genre = forms.ModelChoiceField(label=_("Genre"), queryset=Genre.objects.all(), required=False, to_field_name="slug")


class FestivalForm(Form):
    name = OneLineField(label=_("Name"), max_length=120)
    venue = forms.ModelChoiceField(label=_("Site"), queryset=None)
    first_day = BoundedDateField(label=_("First day"), bound=Bound.AHEAD)
    last_day = BoundedDateField(label=_("Last day"), bound=Bound.AHEAD)
    transfer_minutes = forms.IntegerField(label=_("Minutes between stages"), min_value=0, max_value=240, initial=15)

    def __init__(self, *args, venues, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["venue"].queryset = venues


class StageHoursForm(Form):
    stage = forms.ModelChoiceField(label=_("Stage"), queryset=None)
    opens = forms.TimeField(label=_("Opens"), widget=forms.TimeInput(attrs={"type": "time"}))
    closes = forms.TimeField(label=_("Closes"), widget=forms.TimeInput(attrs={"type": "time"}))
    changeover_minutes = forms.IntegerField(label=_("Changeover (minutes)"), min_value=0, max_value=240, initial=20)

    def __init__(self, *args, stages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = stages


class ReleaseForm(Form):
    note = OneLineField(
        label=_("Note for this release"),
        max_length=500,
        required=False,
        help_text=_("Optional: what changed, read beside the release."),
    )
