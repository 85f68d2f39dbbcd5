"""Blocking: who blocks (the person, or a band or venue they run)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class BlockForm(forms.Form):
    """`voice`: the party key ("user:5", "band:3") of who blocks, one of the choices the view offers."""

    voice = forms.ChoiceField(
        label=_("Block for"), error_messages={"invalid_choice": _("Choose yourself or a band or venue you run.")}
    )

    def __init__(self, *args, voices: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["voice"].choices = [(voice.party.key, voice.name) for voice in voices]
        self.fields["voice"].initial = voices[0].party.key if voices else None
