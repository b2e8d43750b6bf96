"""Every figure docs/explanation/performance.md quotes is the one in the results file it names.

The page names its file once, `<!-- figures: FILE -->` (a JSON that `make bench` wrote, beside
the page), and follows each figure with the place it comes from in that file:
`1.02 s<!-- figure: cluster/tilt up/seconds/median -->`, the keys joined by `/`. A figure is a
number with its unit (s, ms, or % of a fraction) and matches when the file's value, rounded
to the figure's decimals, is that number; a word in backticks (`d65e582`) must be the value.

A page that compares runs names the others with a label, `<!-- figures before: FILE -->`, and
quotes from them with it: `1.74 s<!-- figure before: cluster/tilt up/seconds/median -->`."""

import json
import re

import pytest

from scripts.project import REPO

PAGE = REPO / "docs" / "explanation" / "performance.md"
FILE = re.compile(r"<!--\s*figures(?: (\w+))?:\s*(\S+)\s*-->")
FIGURE = re.compile(r"(?:(-?\d+(?:\.\d+)?)(?: ?(s|ms|%))?|`([^`\s]+)`)<!--\s*figure(?: (\w+))?:\s*([^>]*?)\s*-->")
SCALE = {None: 1, "s": 1, "ms": 1000, "%": 100}


def value_at(results, path):
    """The value at path (keys joined by /) in results; KeyError naming the path when absent."""
    value = results
    for key in path.split("/"):
        if not isinstance(value, dict) or key not in value:
            raise KeyError(path)
        value = value[key]
    return value


def wrong_figures(page):
    """What is wrong with the figures a page quotes: each one that its results file does not
    hold, or holds with another value. Empty when every figure matches."""
    text = page.read_text()
    named = FILE.findall(text)
    labels = [label for label, _ in named]
    if labels.count("") != 1:
        return [f"{page.name}: names {labels.count('')} results files, not one"]
    if len(set(labels)) != len(labels):
        return [f"{page.name}: names two results files with one label"]
    files = dict(named)
    results = {label: json.loads((page.parent / name).read_text()) for label, name in named}
    found = list(FIGURE.finditer(text))
    quoted = {match.end() for match in found}
    problems = [f"{page.name}: a figure comment follows no figure: {text[max(0, comment.start() - 12):comment.end()]!r}"
                for comment in re.finditer(r"<!--\s*figure(?: \w+)?:[^>]*-->", text) if comment.end() not in quoted]
    if not found and not problems:
        return [f"{page.name}: quotes no figure"]
    for match in found:
        number, unit, word, label, path = match.groups()
        label = label or ""
        if label not in files:
            problems.append(f"{match.group(0)}: the page names no results file {label!r}")
            continue
        try:
            value = value_at(results[label], path)
        except KeyError:
            problems.append(f"{match.group(0)}: {files[label]} has no {path}")
            continue
        if word is not None:
            if word != value:
                problems.append(f"{match.group(0)}: {files[label]} says {value!r}")
            continue
        decimals = len(number.partition(".")[2])
        if not isinstance(value, (int, float)) or abs(value * SCALE[unit] - float(number)) > 0.5 * 10 ** -decimals + 1e-9:
            problems.append(f"{match.group(0)}: {files[label]} says {value!r}")
    return problems


def test_every_figure_of_the_performance_page_is_in_its_results_file():
    assert wrong_figures(PAGE) == []


@pytest.mark.parametrize(("quoted", "problem"), [
    ("1.03 s<!-- figure: run/seconds/median -->", "says 1.0234"),
    ("1023 ms<!-- figure: run/seconds/median -->", None),
    ("1.0 s<!-- figure: run/seconds/median -->", None),
    ("1 s<!-- figure: run/seconds/median -->", None),
    ("1.024 s<!-- figure: run/seconds/median -->", "says 1.0234"),
    ("8.8 %<!-- figure: run/idle_cpu -->", None),
    ("0.09 %<!-- figure: run/idle_cpu -->", "says 0.0878"),
    ("1.02 s<!-- figure: run/seconds/p95 -->", "has no run/seconds/p95"),
    ("`abc1234`<!-- figure: commit -->", None),
    ("`abc9999`<!-- figure: commit -->", "says 'abc1234'"),
    ("`abc1234`<!-- figure: run -->", "says {"),
    ("about 1<!-- figure: run/seconds/median --> s", None),
    ("a second<!-- figure: run/seconds/median -->", "follows no figure"),
    ("2.5 s<!-- figure before: run/seconds/median -->", None),
    ("1.02 s<!-- figure before: run/seconds/median -->", "before.json says 2.5"),
    ("2.5 s<!-- figure after: run/seconds/median -->", "names no results file 'after'"),
])
def test_the_check_fails_a_figure_its_file_does_not_hold(tmp_path, quoted, problem):
    """Proof that the test above can fail: a page of one figure, against a file of a few."""
    (tmp_path / "run.json").write_text(json.dumps(
        {"commit": "abc1234", "run": {"seconds": {"median": 1.0234}, "idle_cpu": 0.0878}}))
    (tmp_path / "before.json").write_text(json.dumps({"run": {"seconds": {"median": 2.5}}}))
    page = tmp_path / "page.md"
    page.write_text(f"# Page\n\n<!-- figures: run.json -->\n<!-- figures before: before.json -->\n"
                    f"A save took {quoted}.\n")
    problems = wrong_figures(page)
    assert problems == [] if problem is None else len(problems) == 1 and problem in problems[0], problems


def test_the_check_fails_a_page_without_its_file_or_its_figures(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Page\n\nA save took 1.02 s<!-- figure: run/seconds/median -->.\n")
    assert wrong_figures(page) == ["page.md: names 0 results files, not one"]
    (tmp_path / "run.json").write_text("{}")
    page.write_text("# Page\n\n<!-- figures: run.json -->\nA save took about a second.\n")
    assert wrong_figures(page) == ["page.md: quotes no figure"]
    page.write_text("# Page\n\n<!-- figures: run.json -->\n<!-- figures before: run.json -->\n"
                    "<!-- figures before: run.json -->\nA save took 1 s<!-- figure: a -->.\n")
    assert wrong_figures(page) == ["page.md: names two results files with one label"]
