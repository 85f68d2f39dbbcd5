"""The label of a model field's choice, as get_FOO_display() gives it, without its cost per call.

Django's get_FOO_display() builds a dictionary of the field's choices on every call; on a list of a
hundred bookings with a kind and a status that was a fifth of the dashboard's time. The dictionary is
kept here per field (its labels stay lazy, so each reader still gets their own language).
"""

from functools import cache

from django.db.models import Field, Model
from django.utils.encoding import force_str


@cache
def _labels(field: Field) -> dict:
    return dict(field.flatchoices)


def choice_label(instance: Model, name: str) -> str:
    """instance.get_<name>_display(): the label of the field's current value in the active language, the
    value itself when it is not one of the choices."""
    field = instance._meta.get_field(name)
    value = getattr(instance, field.attname)
    return force_str(_labels(field).get(value, value), strings_only=True)
