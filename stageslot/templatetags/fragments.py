"""{% jinja %}, {% cover %}, {% genre_chips %}: fragments drawn by the Jinja2 engine (templates/jinja2/) from a
Django template, so that a piece drawn many times per page (a search result card, its cover and genre
chips) lives once, as a Jinja2 template, for lists and profile pages alike (docs/decisions/0030)."""

from django import template
from django.template import engines
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def render_jinja(name: str, context: dict) -> SafeString:
    """The Jinja2 template `name` (under templates/jinja2/) drawn with `context`: markup, every value
    escaped by Jinja2's autoescape (on in settings.TEMPLATES)."""
    return mark_safe(engines["jinja2"].get_template(name).render(context))  # noqa: S308  (autoescaped)


@register.simple_tag
def jinja(name: str, **context) -> SafeString:
    """{% jinja "stageslot/partials/result_cards.html" cards=cards %}."""
    return render_jinja(name, context)


@register.simple_tag
def cover(thing, photo=None, lazy: bool = False) -> SafeString:
    """The cover of a band or venue: `photo`, or its initial on a tinted tile."""
    return render_jinja("stageslot/partials/cover.html", {"thing": thing, "photo": photo, "lazy": lazy})


@register.simple_tag
def genre_chips(genres, search_url: str = "") -> SafeString:
    """A row of genre chips, each linking to `search_url` filtered by its genre when given."""
    return render_jinja("stageslot/partials/genre_chips.html", {"genres": genres, "search_url": search_url})
