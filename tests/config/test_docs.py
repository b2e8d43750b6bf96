"""README.md and docs/: every relative link reaches its file and heading, every page is linked
from the README, and the README stays a two-minute read with the details one link away."""

import re
from urllib.parse import unquote

import pytest

from scripts.project import REPO

README = REPO / "README.md"
DOCS = sorted((REPO / "docs").rglob("*.md"))

# About two screens: the quick start, the other commands, how the loop works and the links to
# docs/ fit in well under this. A README that outgrows it is growing a section that belongs
# in a page of docs/ (issue #22: it had reached 688 lines).
README_MAX_LINES = 120

# [text](target) and ![alt](target), with an optional "title" after the target.
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")


def without_fences(text):
    """text with its fenced code blocks removed: a # or a link in them is code, not Markdown."""
    return re.sub(r"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", "", text, flags=re.M | re.S)


def without_code(text):
    """text with code blocks and inline code removed."""
    return re.sub(r"(`+).+?\1", "", without_fences(text), flags=re.S)


def links(text):
    """The targets of the Markdown links and images in text, in order."""
    return LINK.findall(without_code(text))


def is_relative(target):
    """Whether a link target points into the repository (not a URL or a mail address)."""
    return not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target)


def slug(heading):
    """The anchor GitHub gives a heading: lowercase, punctuation dropped except - and _,
    each space a -."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(text):
    """Every heading anchor of a Markdown page; a repeated one gets -1, -2, ... as on GitHub."""
    seen, found = {}, set()
    for line in without_fences(text).splitlines():
        match = HEADING.match(line)
        if match:
            base = slug(match.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def broken_links(page):
    """What is wrong with each relative link of a Markdown page: a missing file, or an anchor
    that names no heading of the page it points to. Empty when every link resolves."""
    problems = []
    for target in links(page.read_text()):
        if not is_relative(target):
            continue
        path, _, anchor = target.partition("#")
        destination = (page.parent / unquote(path)).resolve() if path else page
        if not destination.exists():
            problems.append(f"{page.name}: {target}: no such file")
        elif anchor and destination.suffix != ".md":
            problems.append(f"{page.name}: {target}: an anchor into a file that is not Markdown")
        elif anchor and unquote(anchor) not in anchors(destination.read_text()):
            problems.append(f"{page.name}: {target}: no heading with that anchor")
    return problems


@pytest.mark.parametrize("page", [README, *DOCS], ids=lambda page: str(page.relative_to(REPO)))
def test_every_relative_link_reaches_a_file_and_its_heading(page):
    assert broken_links(page) == []


def test_the_checker_reports_a_missing_file_and_a_missing_heading(tmp_path):
    """Proof that the test above can fail: a page with good and bad links, checked."""
    (tmp_path / "other.md").write_text("# The `make doctor` target\n\n## Usage\n\n## Usage\n")
    page = tmp_path / "page.md"
    page.write_text("# Here\n\n"
                    "[good](other.md#the-make-doctor-target) [repeated](other.md#usage-1) [self](#here)\n"
                    "[web](https://example.com/gone.md) `[in code](gone.md)`\n"
                    "[no file](gone.md) [no heading](other.md#nowhere) ![no image](missing.png)\n")
    assert broken_links(page) == ["page.md: gone.md: no such file",
                                  "page.md: other.md#nowhere: no heading with that anchor",
                                  "page.md: missing.png: no such file"]


@pytest.mark.parametrize(("heading", "anchor"), [
    ("What's in this repo", "whats-in-this-repo"),
    ("`make debug` and `make tilt-debug`", "make-debug-and-make-tilt-debug"),
    ("Design choices, and what each bought", "design-choices-and-what-each-bought"),
    ("Figures 1–13: where_and when", "figures-113-where_and-when"),
])
def test_anchors_follow_githubs_rules(heading, anchor):
    assert slug(heading) == anchor


def test_every_page_of_docs_is_linked_from_the_readme():
    """A page nobody links to is a page nobody finds."""
    linked = {(REPO / target.partition("#")[0]).resolve() for target in links(README.read_text())
              if is_relative(target)}
    assert DOCS, "docs/ holds no page"
    assert [str(page.relative_to(REPO)) for page in DOCS if page.resolve() not in linked] == []


@pytest.mark.parametrize("page", DOCS, ids=lambda page: str(page.relative_to(REPO)))
def test_every_doc_opens_with_its_title_and_a_way_back_to_the_readme(page):
    """A reader who lands on a page from a search sees what it holds and where it belongs."""
    title, blank, *rest = page.read_text().splitlines()
    opening = "\n".join(rest[:rest.index("")] if "" in rest else rest)
    assert title.startswith("# ") and blank == ""
    assert any((page.parent / target.partition("#")[0]).resolve() == README.resolve()
               for target in links(opening) if is_relative(target)), opening


def test_the_readme_stays_short():
    lines = README.read_text().splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines: move a section to docs/"
