"""Input parsing of reviews, replies and reports."""

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from .models import REPLY_MAX, REPLY_MIN, SUB_RATINGS, TEXT_MAX, TEXT_MIN, Review, Side
from .services import REPORT_MAX, REPORT_MIN, ReviewInput

STAR_CHOICES = [(str(i), format_lazy(ngettext_lazy("{n} star", "{n} stars", i), n=i)) for i in range(1, 6)]
STAR_ERRORS = {
    "required": _("Pick 1 to 5 stars."),
    "invalid_choice": _("Pick 1 to 5 stars."),
}
AGAIN_QUESTION = {
    (Side.VENUE, Side.BAND): _("Would you book this band again?"),
    (Side.CLIENT, Side.BAND): _("Would you book this band again?"),
    (Side.BAND, Side.VENUE): _("Would you play at this venue again?"),
    (Side.BAND, Side.CLIENT): _("Would you play for this client again?"),
}


def stars_field(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=STAR_CHOICES,
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect(attrs={"class": "stars"}),
        error_messages=STAR_ERRORS,
    )


class ReviewForm(forms.Form):
    """Stars (overall and the sub-ratings that fit the subject), would book/play again, the text; or a
    no-show report instead of the stars."""

    no_show = forms.BooleanField(
        label=_("They did not turn up: report a no-show instead of rating"),
        required=False,
        help_text=_("StageSlot staff check the report; your review then says that a no-show was reported."),
    )
    overall = stars_field(_("Overall"))
    again = forms.TypedChoiceField(
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Answer yes or no.")},
    )
    text = forms.CharField(
        label=_("Your review"),
        min_length=TEXT_MIN,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=format_lazy(
            _("{text_min} to {text_max} characters. What went well, what could be better."),
            text_min=TEXT_MIN,
            text_max=format(TEXT_MAX, ","),
        ),
        error_messages={
            "required": format_lazy(_("Write at least {text_min} characters."), text_min=TEXT_MIN),
            "min_length": format_lazy(
                _("Write at least {text_min} characters (you wrote %(show_value)d)."), text_min=TEXT_MIN
            ),
            "max_length": format_lazy(
                _("Keep it to {text_max} characters (you wrote %(show_value)d)."), text_max=format(TEXT_MAX, ",")
            ),
        },
    )

    def __init__(self, *args, author_side: str, subject_side: str, **kwargs) -> None:
        super().__init__(*args, label_suffix="", **kwargs)
        self.subject_side = subject_side
        self.sub_names = [name for name, _label in SUB_RATINGS[subject_side]]
        for name, label in SUB_RATINGS[subject_side]:
            self.fields[name] = stars_field(label)
        self.fields["again"].label = AGAIN_QUESTION[(author_side, subject_side)]
        self.order_fields(["overall", *self.sub_names, "again", "text", "no_show"])

    @classmethod
    def initial_from(cls, review: Review | None) -> dict[str, Any]:
        if review is None:
            return {}
        initial: dict[str, Any] = {"no_show": review.no_show, "text": review.text}
        for name in ("overall", "performance", "punctuality", "communication", "sound", "hospitality", "paid"):
            if getattr(review, name) is not None:
                initial[name] = str(getattr(review, name))
        if review.again is not None:
            initial["again"] = "yes" if review.again else "no"
        return initial

    @property
    def star_fields(self) -> list:
        return [self[name] for name in ("overall", *self.sub_names)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("no_show"):
            return cleaned
        for name in ("overall", *self.sub_names):
            if cleaned.get(name) is None and name not in self.errors:
                self.add_error(name, gettext("Pick 1 to 5 stars."))
        if cleaned.get("again") is None and "again" not in self.errors:
            self.add_error("again", gettext("Answer yes or no."))
        return cleaned

    def review_input(self) -> ReviewInput:
        data = self.cleaned_data
        if data.get("no_show"):
            return ReviewInput(text=data["text"], no_show=True)
        return ReviewInput(
            text=data["text"],
            overall=data["overall"],
            ratings={name: data[name] for name in self.sub_names},
            again=data["again"],
        )


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Your public reply"),
        min_length=REPLY_MIN,
        max_length=REPLY_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown under the review, once. It cannot be changed afterwards."),
        error_messages={
            "required": _("Write your reply."),
            "min_length": format_lazy(_("Write at least {reply_min} characters."), reply_min=REPLY_MIN),
            "max_length": format_lazy(
                _("Keep it to {reply_max} characters (you wrote %(show_value)d)."), reply_max=format(REPLY_MAX, ",")
            ),
        },
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, label_suffix="", **kwargs)


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with this review?"),
        min_length=REPORT_MIN,
        max_length=REPORT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Staff read your report; the author does not learn who sent it."),
        error_messages={
            "required": _("Say what is wrong with it."),
            "min_length": format_lazy(_("Write at least {report_min} characters."), report_min=REPORT_MIN),
            "max_length": format_lazy(
                _("Keep it to {report_max} characters (you wrote %(show_value)d)."), report_max=REPORT_MAX
            ),
        },
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, label_suffix="", **kwargs)
