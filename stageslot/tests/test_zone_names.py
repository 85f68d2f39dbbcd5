"""Every page, email and PDF names a time zone one way: its IANA name ("Europe/Berlin"), through
core.fields.timezones.zone_name (the template filter {{ value|zone_name }}).

A zone named another way is caught by reading the sources:

    {{ starts_at|date:"T" }}                               found: "CET", an abbreviation
    {{ starts_at|date:"e" }}                               found: the same
    {{ time_zone }}                                        found: printed without the helper
    {% blocktranslate %}Times in {{ zone }}{% endblocktranslate %}      found: the same
    {% blocktranslate with zone=time_zone|zone_name %}…    named by the helper
    data-zone="{{ zone }}"                                 a value for a script, not words: left alone
    value.tzname(), f"{moment:%Z}"                         found in Python
"""

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from django.template.base import Lexer, TokenType

from stageslot.tests import source as shared

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
PYTHON_DIRS = [p for p in ROOT.iterdir() if p.is_dir() and ((p / "__init__.py").exists() or p.name == "bin")]
HELPER = "zone_name"

# Format characters of Django's date filter that name a zone other than by its IANA name: "T" and "e"
# give "CET", "O" "+0100". A backslash escapes a character ('Y-m-d\TH:i' is no zone).
ZONE_FORMAT_CHARACTERS = set("TeO")
DATE_FILTER = re.compile(r"\|(?:date|time):(?P<q>[\"'])(?P<format>.*?)(?P=q)")
# A variable that holds a zone (time_zone, zone, zone_name, band_zone, viewer_zone, CURRENT_TIME_ZONE,
# page.zone.key), not one that only has the word in it (green_zone_url, form.time_zone as a field).
ZONE_VARIABLE = re.compile(r"(?:^|[._])(?:time_)?zone(?:_name|_key)?(?:\.key)?$", re.IGNORECASE)
NOT_A_ZONE = re.compile(r"green_zone|\.as_field_group$|^form\.time_zone$|_url$")
# Text that ends inside an HTML attribute's value: what follows is for a script or a form, not words.
IN_ATTRIBUTE = re.compile(r"=\s*\"[^\"]*$")
BLOCKTRANSLATE = re.compile(r"^(?:blocktranslate|blocktrans)\b(?P<rest>.*)$", re.DOTALL)
WITH_BINDING = re.compile(r"(\w+)=((?:\"[^\"]*\"|'[^']*'|[^\s\"'])+)")


def _zone_format(format_string: str) -> bool:
    if re.fullmatch(r"[A-Z_]+_FORMAT", format_string):
        return False  # a named format: test_named_date_formats_name_no_zone reads its value
    escaped = False
    for char in format_string:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in ZONE_FORMAT_CHARACTERS:
            return True
    return False


def _names_a_zone(expression: str) -> bool:
    """Whether a template expression prints a zone without the helper."""
    variable, *filters = expression.strip().split("|")
    variable = variable.strip()
    if not ZONE_VARIABLE.search(variable) or NOT_A_ZONE.search(variable):
        return False
    return not any(f.strip().split(":")[0] == HELPER for f in filters)


def template_problems(source: str) -> Iterator[str]:
    """Where a template names a zone another way (an abbreviation, or a zone printed without the helper)."""
    for match in DATE_FILTER.finditer(source):
        if _zone_format(match.group("format")):
            yield f"date format {match.group(0)!r} names the zone by abbreviation; use |{HELPER}"
    text_before = ""
    bound: set[str] = set()  # names a {% blocktranslate with … %} around this point binds
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.TEXT:
            text_before = token.contents
        elif token.token_type == TokenType.BLOCK:
            opening = BLOCKTRANSLATE.match(token.contents)
            if opening:
                bound = set()
                for name, expression in WITH_BINDING.findall(opening.group("rest")):
                    bound.add(name)
                    if _names_a_zone(expression):
                        yield f"{{% {token.contents} %}} binds {name}={expression} without |{HELPER}"
            elif token.contents.startswith(("endblocktranslate", "endblocktrans")):
                bound = set()
            text_before = ""
        elif token.token_type == TokenType.VAR:
            expression = token.contents
            if expression.split("|")[0].strip() in bound or IN_ATTRIBUTE.search(text_before):
                continue
            if _names_a_zone(expression):
                yield f"{{{{ {expression} }}}} prints a zone without |{HELPER}"


def _is_helper_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == HELPER


def _sentence_zones(node: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    """The zone placeholders of a sentence: `gettext("… %(zone)s") % {"zone": …}` and
    `lazy_text(gettext_lazy("…"), zone=…)`."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.right, ast.Dict):
        for key, value in zip(node.right.keys, node.right.values, strict=True):
            if isinstance(key, ast.Constant) and "zone" in str(key.value):
                yield str(key.value), value
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "lazy_text":
        for keyword in node.keywords:
            if keyword.arg and "zone" in keyword.arg:
                yield keyword.arg, keyword.value


def python_problems(source: str) -> Iterator[str]:
    """Where Python names a zone another way: tzname() or %Z, or a sentence's zone not filled by the helper."""
    for node in shared.walk(source):
        for name, value in _sentence_zones(node):
            if not _is_helper_call(value):
                yield f"line {value.lineno}: the sentence's {name} is {ast.unparse(value)}; use {HELPER}()"
        if isinstance(node, ast.Attribute) and node.attr == "tzname":
            yield f"line {node.lineno}: .tzname() names the zone by abbreviation; use {HELPER}()"
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "%Z" in node.value:
            # An f-string's format spec (f"{moment:%H:%M %Z}") is such a constant too.
            yield f"line {node.lineno}: %Z names the zone by abbreviation; use {HELPER}()"


def test_the_scan_finds_each_other_way_of_naming_a_zone():
    found = list(
        template_problems(
            '{{ starts_at|date:"T" }} {{ starts_at|date:"H:i e" }} {{ time_zone }} {{ band.time_zone }}'
            "{% blocktranslate %}Times in {{ zone_name }}{% endblocktranslate %}"
            "{% blocktranslate with zone=page.zone.key %}In {{ zone }}{% endblocktranslate %}"
        )
    )
    assert len(found) == 6, found
    assert not list(
        template_problems(
            "{{ starts_at|date:'Y-m-d\\TH:i' }} {{ time_zone|zone_name }} <b data-zone=\"{{ c.zone }}\"></b>"
            "{% blocktranslate with zone=time_zone|zone_name %}In {{ zone }}{% endblocktranslate %}"
            "{{ form.time_zone.as_field_group }} {{ green_zone_url }} {{ starts_at|date:'DAY_FORMAT' }}"
        )
    )
    assert len(list(python_problems('x = moment.tzname()\ny = f"{moment:%H:%M %Z}"\nz = "%Z"'))) == 3
    sentences = 'a = _("In %(zone)s") % {"zone": zone.key}\nb = lazy_text(_("In %(zone)s"), zone=band.time_zone)'
    assert len(list(python_problems(sentences))) == 2
    assert not list(python_problems('a = _("In %(zone)s") % {"zone": zone_name(zone)}'))


def test_every_template_names_zones_through_the_helper():
    problems = [
        f"{path.relative_to(ROOT)}: {problem}"
        for path in sorted(TEMPLATES.rglob("*.html")) + sorted(TEMPLATES.rglob("*.txt"))
        for problem in template_problems(path.read_text(encoding="utf-8"))
    ]
    assert not problems, "\n".join(problems)


def test_no_python_names_a_zone_by_abbreviation():
    problems = [
        f"{path.relative_to(ROOT)}: {problem}"
        for folder in PYTHON_DIRS
        for path in sorted(folder.rglob("*.py"))
        if "tests" not in path.parts and "migrations" not in path.parts
        for problem in python_problems(path.read_text(encoding="utf-8"))
    ]
    assert not problems, "\n".join(problems)


def test_named_date_formats_name_no_zone():
    from django.conf import settings
    from django.utils import formats, translation

    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for module in formats.get_format_modules(language):
                for name in dir(module):
                    if name.endswith("_FORMAT") and isinstance(value := getattr(module, name), str):
                        assert not _zone_format(value), f"{language} {name} = {value!r} names a zone"
