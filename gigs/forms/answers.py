"""Input of a member's answer to "Can you play?": one of the five answers and a comment; a leader's answer-by
date and the lock of the answers."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.fields.dates import Bound, BoundedDateField
from core.fields.form_fields import OneLineField

from ..models import Answer


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Can you play?"),
        choices=Answer.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose one of the five answers."),
            "invalid_choice": _("Choose one of the five answers."),
        },
    )
    comment = OneLineField(
        label=_("Comment"),
        required=False,
        max_length=300,
        help_text=_("For example: only if we are back by midnight."),
    )


class CommentForm(forms.Form):
    """The comment added after a one-click answer from the email."""

    comment = OneLineField(label=_("Comment (optional)"), required=False, max_length=300)


class AnswerByForm(forms.Form):
    """A gig's answer-by date (empty: none); the service checks it against today and the gig's day."""

    answer_by = BoundedDateField(label=_("Answer by"), bound=Bound.PLAN, required=False)


class AnswersLockForm(forms.Form):
    """Lock the answers ("1") or unlock them ("0")."""

    locked = forms.TypedChoiceField(
        choices=(("1", "1"), ("0", "0")),
        coerce=lambda value: value == "1",
        error_messages={
            "required": _("Say whether to lock or unlock."),
            "invalid_choice": _("Say whether to lock or unlock."),
        },
    )
