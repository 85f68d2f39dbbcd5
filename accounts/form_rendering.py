"""The form renderer of the whole site (settings.FORM_RENDERER): Django's own, with its commonest small
templates built in Python.

Django draws one text input through four or five templates: the field group (field.html), its label
(label.html and attrs.html), the error list (default.html and ul.html, rendered even when empty) and
the widget (text.html, input.html, attrs.html). A search page's filter sidebar has a dozen inputs and
the login form three, so these templates were a large share of those pages' server time. The
functions below give the same markup, character for character, as the templates they stand in for
(accounts/tests/test_form_rendering.py compares both on the project's forms and checks that Django's
templates are still the ones mirrored here). Every other template goes through Django as before.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData, SafeString, mark_safe

# Widget templates that are nothing but {% include "django/forms/widgets/input.html" %}.
INPUT_TEMPLATES = tuple(
    f"django/forms/widgets/{name}.html"
    for name in (
        "input", "text", "number", "email", "url", "password", "hidden", "date", "datetime", "time",
        "checkbox", "color", "search", "tel", "file",
    )
)  # fmt: skip


def _out(value: Any) -> SafeString:
    """{{ value }} in an autoescaping template (no localisation: these templates show text only)."""
    if not isinstance(value, str):
        value = str(value)
    return conditional_escape(value)


def _formatted(value: Any) -> str:
    """{{ value|stringformat:'s' }}: the filter keeps safe text safe and the template escapes the rest."""
    if isinstance(value, tuple):
        value = str(value)
    text = "%s" % value  # noqa: UP031  (what the filter does)
    return text if isinstance(value, SafeData) else escape(text)


def _attrs(attrs: Mapping[str, Any] | None) -> str:
    """django/forms/attrs.html and django/forms/widgets/attrs.html."""
    if not attrs:
        return ""
    parts = []
    for name, value in attrs.items():
        if value is not False:
            parts.append(f" {_out(name)}" if value is True else f' {_out(name)}="{_formatted(value)}"')
    return "".join(parts)


def input_html(context: Mapping[str, Any]) -> str:
    """django/forms/widgets/input.html (and the widget templates that only include it)."""
    widget = context["widget"]
    value = widget.get("value")
    value_attr = f' value="{_formatted(value)}"' if value is not None else ""
    return f'<input type="{_out(widget["type"])}" name="{_out(widget["name"])}"{value_attr}{_attrs(widget["attrs"])}>'


def label_html(context: Mapping[str, Any]) -> str:
    """django/forms/label.html."""
    if not context["use_tag"]:
        return str(_out(context["label"]))
    tag = _out(context["tag"])
    return f"<{tag}{_attrs(context['attrs'])}>{_out(context['label'])}</{tag}>"


def error_list_html(context: Mapping[str, Any]) -> str:
    """django/forms/errors/list/default.html and ul.html."""
    errors = context["errors"]
    if not errors:
        return ""
    field_id = getattr(errors, "field_id", None)
    id_attr = f' id="{_out(field_id)}_error"' if field_id else ""
    items = "".join(f"<li>{_out(error)}</li>" for error in errors)
    return f'<ul class="{_out(context["error_class"])}"{id_attr}>{items}</ul>'


def field_group_html(context: Mapping[str, Any]) -> str:
    """django/forms/field.html: a field's label (or fieldset and legend), help text, errors and widget."""
    field = context["field"]
    if field.use_fieldset:
        describedby = field.aria_describedby
        describedby_attr = f' aria-describedby="{_out(describedby)}"' if describedby else ""
        head = f"\n  <fieldset{describedby_attr}>\n  {_out(field.legend_tag()) if field.label else ''}\n"
        tail = "</fieldset>"
    else:
        head = f"\n  {_out(field.label_tag()) if field.label else ''}\n"
        tail = ""
    help_html = ""
    if field.help_text:
        id_attr = f' id="{_out(field.auto_id)}_helptext"' if field.auto_id else ""
        help_html = f'<div class="helptext"{id_attr}>{mark_safe(str(field.help_text))}</div>'  # noqa: S308  (|safe)
    return f"{head}\n{help_html}\n{_out(field.errors)}\n{_out(field)}{tail}\n".strip()


def form_div_html(context: Mapping[str, Any]) -> str:
    """django/forms/div.html: the form's own errors, then each visible field in a <div>, hidden ones last."""
    errors, fields, hidden = context["errors"], context["fields"], context["hidden_fields"]
    hidden_html = "".join(str(_out(field)) for field in hidden)
    out = [str(_out(errors)), "\n"]
    if errors and not fields:
        out += ["\n  <div>", hidden_html, "</div>\n"]
    out.append("\n")
    for index, (field, _errors) in enumerate(fields):
        classes = field.css_classes()
        out += [
            "\n  <div",
            f' class="{_out(classes)}"' if classes else "",
            ">\n    ",
            str(_out(field.as_field_group())),
        ]
        out.append("\n    ")
        if index == len(fields) - 1:
            out += ["\n      ", hidden_html, "\n    "]
        out.append("\n</div>\n")
    out.append("\n")
    if not fields and not errors:
        out += ["\n  ", hidden_html, "\n"]
    out.append("\n")
    return "".join(out).strip()


BUILDERS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "django/forms/field.html": field_group_html,
    "django/forms/label.html": label_html,
    "django/forms/div.html": form_div_html,
    "django/forms/errors/list/default.html": error_list_html,
    "django/forms/errors/list/ul.html": error_list_html,
    **dict.fromkeys(INPUT_TEMPLATES, input_html),
}


class OnePassRenderer(DjangoTemplates):
    """Django's template form renderer, but the templates in BUILDERS come from the functions above."""

    def render(self, template_name: str, context: Mapping[str, Any], request=None) -> str:
        build = BUILDERS.get(template_name)
        if build is None:
            return super().render(template_name, context, request=request)
        # Django strips the rendered text too; callers mark it safe.
        return mark_safe(build(context))  # noqa: S308  (every value above is escaped)
