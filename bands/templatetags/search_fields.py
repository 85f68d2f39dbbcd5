"""{% field_group form.name %}: a search form's field group (label, widget, help, errors), kept in the
fragments cache per digest of what it draws (PlaceGenreFields.field_key, docs/decisions/0025).

A filter sidebar is kept whole per form digest; a search that changes one filter (another date, other
words, a fee) draws that field again and takes the others from the cache."""

from django import template
from django.core.cache import caches
from django.forms import BoundField
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def field_group(field: BoundField) -> SafeString:
    key = f"search_field.{field.form.field_key(field.name)}"
    fragments = caches["fragments"]
    html = fragments.get(key)
    if html is None:
        html = str(field.as_field_group())
        fragments.set(key, html, None)
    return mark_safe(html)  # noqa: S308  (drawn by Django's form templates, which escape every value)
