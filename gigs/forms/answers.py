"""Input of a member's answer to "Can you play?": one of the five answers and a comment."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.form_fields import OneLineField

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
