"""Every class a template uses has a rule (decision 0096): a refusal drawn as `notice--error` with no rule is
plain text below the fold. The test finds every `class="…"` of every file under templates/ (a part drawn from a
variable, `bk-status--{{ status }}`, must start some rule) and looks for a rule in static/css, in the
template's own <style> (the PDFs and emails carry theirs) or, for the admin's templates, in the admin's CSS.
`js-*` classes are hooks for scripts and need no rule.

UNSTYLED.txt holds the classes that had no rule when the test was written: it may only shrink (a class that
gains a rule, or leaves the templates, must leave it), so a new template or a new class is styled on the day
it is added."""

import re
from collections import defaultdict
from pathlib import Path

import django.contrib.admin
from django.conf import settings
from django.template.base import Lexer, Token, TokenType

ROOT = Path(settings.BASE_DIR)
UNSTYLED = Path(__file__).with_name("UNSTYLED.txt")
CLASS_ATTR = re.compile(r"""\bclass\s*=\s*(["'])(.*?)\1""", re.S)
NAME = re.compile(r"-?[_a-zA-Z][\w-]*")
HOOK = "js-"
# Each template tag of a file stands in the text as one character of Unicode's private use plane 15 while the
# class attributes are found, so a quote inside a tag ({% if kind == "gig" %}) never ends an attribute.
TAG = 0xF0000
# Where a variable completes a word: "bk-status--\0" is the prefix bk-status--, "\0" a class drawn whole.
DYNAMIC = "\0"
# Tags whose body is drawn once, as it is; their own words are no class.
TRANSPARENT = {"with", "spaceless", "autoescape", "filter", "localize", "language", "block", "verbatim"}


def _quoted(bit: str) -> str | None:
    return bit[1:-1] if len(bit) >= 2 and bit[0] == bit[-1] and bit[0] in "'\"" else None


def _join(alternatives: list[str], pieces: list[str]) -> list[str]:
    return list(dict.fromkeys(a + p for a in alternatives for p in pieces))


def _variable(token: Token) -> list[str]:
    """What a {{ … }} may draw: a quoted literal as it is, `|yesno:"a,b"` each word, `|default:"x"` the variable or
    x; anything else a dynamic part."""
    head, *filters = token.contents.split("|")
    literal = _quoted(head.strip())
    drawn = [literal] if literal is not None else [DYNAMIC]
    for name, _, argument in (f.partition(":") for f in filters):
        words = _quoted(argument.strip())
        if name.strip() == "yesno" and words is not None:
            drawn = words.split(",")
        elif name.strip() == "default" and words is not None:
            drawn = [*drawn, words]
    return drawn


def _drawn(items: list, i: int, stops: tuple[str, ...]) -> tuple[list[str], int, str | None]:
    """Every text `items[i:]` may draw up to one of the `stops` tags (each branch of an {% if %}, a {% for %}'s body
    and its {% empty %}, each word of a {% cycle %}): (the texts, where it stopped, the tag it stopped at)."""
    drawn = [""]
    while i < len(items):
        item = items[i]
        if isinstance(item, str):
            drawn, i = _join(drawn, [item]), i + 1
            continue
        if item.token_type == TokenType.VAR:
            drawn, i = _join(drawn, _variable(item)), i + 1
            continue
        if item.token_type != TokenType.BLOCK:  # a comment draws nothing
            i += 1
            continue
        bits = item.split_contents()
        tag = bits[0] if bits else ""
        if tag in stops:
            return drawn, i, tag
        if tag == "if":
            branches, has_else, ended = [], False, "elif"
            while ended in ("elif", "else"):
                has_else = has_else or ended == "else"
                body, i, ended = _drawn(items, i + 1, ("elif", "else", "endif"))
                branches += body
            drawn, i = _join(drawn, branches if has_else else [*branches, ""]), i + 1
        elif tag == "for":
            body, i, ended = _drawn(items, i + 1, ("empty", "endfor"))
            empty = [""]
            if ended == "empty":
                empty, i, ended = _drawn(items, i + 1, ("endfor",))
            drawn, i = _join(drawn, body + empty), i + 1
        elif tag in ("cycle", "firstof"):
            words = [_quoted(bit) for bit in bits[1:] if bit not in ("as", "silent")]
            drawn, i = _join(drawn, [DYNAMIC if word is None else word for word in words] or [DYNAMIC]), i + 1
        elif tag in TRANSPARENT or tag.startswith("end"):
            i += 1
        else:  # {% url %}, {% static %}, {% translate %}…: drawn at run time
            drawn, i = _join(drawn, [DYNAMIC]), i + 1
    return drawn, i, None


def class_attributes(template: str) -> list[list]:
    """The value of every class="…" of a template, as the template engine's lexer reads it: a list of texts and
    the tokens ({{ … }}, {% … %}, {# … #}) between them."""
    tokens = Lexer(template).tokenize()
    tags = [token for token in tokens if token.token_type != TokenType.TEXT]
    masked, n = [], 0
    for token in tokens:
        if token.token_type == TokenType.TEXT:
            masked.append(token.contents)
        else:
            masked.append(chr(TAG + n))
            n += 1
    attributes = []
    for match in CLASS_ATTR.finditer("".join(masked)):
        items = [
            tags[ord(piece) - TAG] if len(piece) == 1 and ord(piece) >= TAG else piece
            for piece in re.split(f"([{chr(TAG)}-{chr(TAG + max(n, 1))}])", match.group(2))
            if piece
        ]
        attributes.append(items)
    return attributes


def classes_in(template: str) -> set[tuple[str, bool]]:
    """Every class word a template's class attributes may draw, in every branch: (name, completed by a variable).
    `class="a--{% if ok %}ok{% else %}no{% endif %}"` gives ("a--ok", False) and ("a--no", False);
    `class="x {{ y }}"` gives ("x", False) and ("", True), a class drawn whole from a variable, which no rule can
    be looked up for; `class="bk-status--{{ s }}"` gives ("bk-status--", True), a prefix some rule must start with."""
    found = set()
    for items in class_attributes(template):
        for text in _drawn(items, 0, ())[0]:
            for word in text.split():
                name, dynamic = word.split(DYNAMIC)[0], DYNAMIC in word
                if not name or NAME.fullmatch(name):
                    found.add((name, dynamic))
    return found


def rules_in(css: str) -> set[str]:
    """The class names CSS text has a rule for (those named in its selectors, not in its values)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    selectors = " ".join(re.findall(r"([^{};]*)\{", css))  # what stands before each block: selectors, @-heads
    return set(re.findall(r"\.(-?[_a-zA-Z][\w-]*)", selectors))


def site_rules() -> set[str]:
    return set().union(*(rules_in(p.read_text(encoding="utf-8")) for p in (ROOT / "static/css").glob("**/*.css")))


def admin_rules() -> set[str]:
    css = Path(django.contrib.admin.__file__).parent / "static/admin/css"
    return set().union(*(rules_in(p.read_text(encoding="utf-8")) for p in css.glob("**/*.css")))


def classes_used() -> dict[tuple[str, bool], set[str]]:
    """{(class, is a prefix completed by a variable): the templates using it} for every template file (a class
    drawn whole from a variable left out: no rule can be looked up for it)."""
    used: dict[tuple[str, bool], set[str]] = defaultdict(set)
    for path in sorted((ROOT / "templates").glob("**/*")):
        if not path.is_file() or path.suffix not in {".html", ".txt", ".svg", ".xml"}:
            continue
        for name, prefix in classes_in(path.read_text(encoding="utf-8")):
            if name:
                used[(name, prefix)].add(str(path.relative_to(ROOT)))
    return used


def unstyled() -> dict[str, set[str]]:
    """The classes used in templates without a rule: {class (a prefix ends in "*"): the templates}."""
    site, admin = site_rules(), admin_rules()
    local: dict[str, set[str]] = {}
    found: dict[str, set[str]] = defaultdict(set)
    for (name, prefix), paths in classes_used().items():
        if name.startswith(HOOK):
            continue
        for path in paths:
            if path not in local:
                text = (ROOT / path).read_text(encoding="utf-8")
                styles = re.findall(r"<style[^>]*>(.*?)</style>", text, flags=re.S)
                # A PDF's own style block (documents/pdf/base.html puts it in the page's <style>).
                styles += re.findall(r"{% block style %}(.*?){% endblock", text, flags=re.S)
                # A template folder's own stylesheet (the data export's pages, which open with no server).
                styles += [css.read_text(encoding="utf-8") for css in (ROOT / path).parent.glob("*.css")]
                local[path] = set().union(set(), *(rules_in(style) for style in styles))
            known = site | local[path] | (admin if path.startswith("templates/admin/") else set())
            styled = any(rule.startswith(name) for rule in known) if prefix else name in known
            if not styled:
                found[name + ("*" if prefix else "")].add(path)
    return found


def test_the_walk_finds_classes_and_rules_and_sees_a_missing_one():
    used = classes_used()
    assert len(used) > 1000 and len(site_rules()) > 1000
    assert ("flash--error", False) in used and ("bk-status--", True) in used
    assert rules_in(".a, .b:hover > .c { color: red } @media (x) { .d { top: 0 } }") == {"a", "b", "c", "d"}
    assert "notice--error" in site_rules() and "button--danger" in site_rules()


def test_every_class_a_template_uses_has_a_rule():
    known = set(UNSTYLED.read_text(encoding="utf-8").split())
    found = unstyled()
    new = {name: sorted(paths) for name, paths in found.items() if name not in known}
    assert not new, f"Classes without a rule in static/css (add one, or use js-* for a script's hook): {new}"
    gone = sorted(known - set(found))
    assert not gone, f"These classes have a rule now or are no longer used: take them out of {UNSTYLED.name}: {gone}"


def test_a_browser_test_fails_on_a_refused_inline_style_but_not_on_an_answer_drawn_in_place():
    from types import SimpleNamespace

    from conftest import _console_error

    def message(text: str, url: str = "http://127.0.0.1:8000/bands/x/", kind: str = "error"):
        return SimpleNamespace(type=kind, text=text, location={"url": url})

    csp = "Refused to apply inline style because it violates the following Content Security Policy directive"
    assert _console_error(message(csp))
    assert _console_error(message("Failed to load resource: the server responded with a status of 500 ()"))
    assert _console_error(message("Failed to load resource: the server responded with a status of 404 ()"))
    assert not _console_error(message("Failed to load resource: the server responded with a status of 409 ()"))
    assert not _console_error(message("Failed to load resource: net::ERR_NAME_NOT_RESOLVED", "https://t.invalid/1.png"))
    assert not _console_error(message(csp, kind="warning"))


def test_the_extractor_reads_every_branch_of_a_class_attribute():
    assert classes_in('<li class="tour-outcome--{% if ok %}ok{% else %}no{% endif %}">') == {
        ("tour-outcome--ok", False),
        ("tour-outcome--no", False),
    }
    # A word that begins with a tag, and the branch that draws nothing.
    assert classes_in('<tr class="{% if row.mine %}bk-row{% endif %} plain">') == {("bk-row", False), ("plain", False)}
    assert classes_in('<p class="a {% if x %}b{% elif y %}c{% else %}d{% endif %}">') == {
        ("a", False),
        ("b", False),
        ("c", False),
        ("d", False),
    }
    # A quote inside a tag does not end the attribute.
    assert classes_in("""<p class="{% if kind == "gig" %}is-gig{% endif %} x">""") == {("is-gig", False), ("x", False)}
    # Nested, and a for loop's body and its empty branch.
    assert classes_in('<p class="{% if a %}{% if b %}ab{% else %}a-only{% endif %}{% endif %}">') == {
        ("ab", False),
        ("a-only", False),
    }
    assert classes_in('<p class="{% for t in ts %}tag-{{ t }} {% empty %}untagged{% endfor %}">') == {
        ("tag-", True),
        ("untagged", False),
    }


def test_the_extractor_flags_what_a_variable_draws():
    assert classes_in('<p class="x {{ y }}">') == {("x", False), ("", True)}
    assert classes_in('<p class="bk-status--{{ status }}">') == {("bk-status--", True)}
    assert classes_in('<p class=\'{{ ok|yesno:"is-ok,is-no" }} {{ kind|default:"plain" }}\'>') == {
        ("is-ok", False),
        ("is-no", False),
        ("plain", False),
        ("", True),
    }
    assert classes_in('<p class="{% cycle "odd" "even" %} {% url "x" %}">') == {
        ("odd", False),
        ("even", False),
        ("", True),
    }
    assert classes_in('<p class="{# a note #}quiet">') == {("quiet", False)}
    assert classes_in("<p>class is a word here, {{ x }}</p>") == set()


def test_a_class_hidden_behind_a_tag_without_a_rule_is_found(tmp_path, monkeypatch):
    """The check fails for a template whose only unstyled class starts right after a tag."""
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "x.html").write_text('<tr class="{% if a %}no-such-rule-anywhere{% endif %}"></tr>', encoding="utf-8")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    (tmp_path / "static/css").mkdir(parents=True)
    (tmp_path / "static/css/a.css").write_text(".other { color: red }", encoding="utf-8")
    assert unstyled() == {"no-such-rule-anywhere": {"templates/x.html"}}
