"""The README a newcomer reads in a few minutes, and the reference in docs/ it links: it starts with the two
commands, and every link between them leads to a file (or a heading) that is there."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PAGES = sorted((ROOT / "docs").glob("*.md"))
LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchor(heading: str) -> str:
    """GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    fenced, found = False, set()
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (heading := re.match(r"#+ (.*)", line)):
            found.add(anchor(heading[1]))
    return found


def test_the_readme_starts_with_the_two_commands():
    text = README.read_text(encoding="utf-8")
    first_block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    assert [line.split()[:2] for line in first_block.splitlines()] == [["make", "run"], ["make", "test"]]
    assert text.index("## Two commands") < text.index("## Demo logins") < text.index("## Where to go next")


def test_the_readme_links_every_reference_page():
    linked = {link for link in LINK.findall(README.read_text(encoding="utf-8")) if link.startswith("docs/")}
    assert {f"docs/{page.name}" for page in PAGES} <= linked


def test_every_link_between_the_readme_and_the_reference_pages_leads_somewhere():
    broken = []
    for page in [README, *PAGES]:
        for link in LINK.findall(page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", link):
                continue  # another site
            path, _, fragment = link.partition("#")
            target = (page.parent / path).resolve() if path else page
            if not target.exists() or (fragment and fragment not in anchors(target)):
                broken.append(f"{page.relative_to(ROOT)}: {link}")
    assert not broken


def test_every_benchmark_is_listed_by_the_question_it_answers():
    listed = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    scripts = {path.name for path in (ROOT / "benchmarks").glob("*.py")} - {"harness.py", "__init__.py"}
    assert {name for name in scripts if f"`{name}`" not in listed} == set()
