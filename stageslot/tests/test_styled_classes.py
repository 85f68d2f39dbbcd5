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

ROOT = Path(settings.BASE_DIR)
UNSTYLED = Path(__file__).with_name("UNSTYLED.txt")
CLASS_ATTR = re.compile(r"""\bclass\s*=\s*(["'])(.*?)\1""", re.S)
TEMPLATE_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
NAME = re.compile(r"-?[_a-zA-Z][\w-]*")
HOOK = "js-"


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
    """{(class, is a prefix completed by a variable): the templates using it} for every template file."""
    used: dict[tuple[str, bool], set[str]] = defaultdict(set)
    for path in sorted((ROOT / "templates").glob("**/*")):
        if not path.is_file() or path.suffix not in {".html", ".txt", ".svg", ".xml"}:
            continue
        text = path.read_text(encoding="utf-8")
        for match in CLASS_ATTR.finditer(text):
            value = TEMPLATE_TAG.sub("\0", match.group(2))
            for word in value.split():
                name, prefix = word.split("\0")[0], "\0" in word
                if name and NAME.fullmatch(name):
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
