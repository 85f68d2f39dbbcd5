"""/me/webhooks/: the form that registers a webhook for one of the person's bands or venues."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bands.models import Band
from core.fields.form_fields import OneLineField
from venues.models import Venue

from ..models import Webhook


class WebhookForm(forms.Form):
    owner = forms.ChoiceField(label=_("For"), error_messages={"invalid_choice": _("Pick one of your bands or venues.")})
    url = OneLineField(
        label=_("Address"),
        max_length=2000,
        help_text=_("Your endpoint, starting with https://. We POST each event to it as JSON, signed."),
        widget=forms.URLInput(attrs={"placeholder": _("https://example.com/stageslot/events")}),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=Webhook.Event.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
    )

    def __init__(self, *args, bands: list[Band], venues: list[Venue], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.bands = {f"band-{b.pk}": b for b in bands}
        self.venues = {f"venue-{v.pk}": v for v in venues}
        self.fields["owner"].choices = [
            (k, gettext("Band: %(name)s") % {"name": b.name}) for k, b in self.bands.items()
        ] + [(k, gettext("Venue: %(name)s") % {"name": v.name}) for k, v in self.venues.items()]

    def owner_kwargs(self) -> dict:
        key = self.cleaned_data["owner"]
        return {"band": self.bands[key]} if key in self.bands else {"venue": self.venues[key]}
