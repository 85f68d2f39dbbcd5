"""Input parsing for a booking's thread: the message someone sends, and where the page's list ends."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.fields.form_fields import refuse_control_characters

# The largest message id there can be (a bigint): a longer number is no message of ours.
LAST_ID = 2**63 - 1
AFTER_ERROR = _("“after” must be the id of a message: a whole number.")


class ThreadAfterForm(forms.Form):
    """The id of the last message the page shows (missing: 0), as the list's poll sends it."""

    after = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=LAST_ID,
        error_messages={"invalid": AFTER_ERROR, "min_value": AFTER_ERROR, "max_value": AFTER_ERROR},
    )

    def after_id(self) -> int | None:
        """The id once the form is valid (0 when missing); None when it is not a message id."""
        if not self.is_valid():
            return None
        return self.cleaned_data["after"] or 0


class MessageForm(ThreadAfterForm):
    # Empty and too long are the service's refusals (it words them); here only what text may contain.
    body = forms.CharField(required=False, strip=False, validators=[refuse_control_characters], widget=forms.Textarea)

    field_order = ["body", "after"]
