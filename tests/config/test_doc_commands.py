"""Every command the tutorial and the how-to guides give is run by a test, or says why not.

Tests take a page's command with tests.support.docs.documented(page, command); this reads the
calls without running them, so a command taken only by an e2e test is counted even where the
e2e layer is skipped, and a page edited without its test fails here, not in the cluster."""

import ast
from pathlib import Path

import pytest

from scripts.project import REPO
from tests.support.docs import commands, documented, pages


def taken_by_tests():
    """{(page, command): [test files]} for every documented() call with literal arguments."""
    taken = {}
    for path in sorted((REPO / "tests").rglob("*.py")):
        if path.resolve() == Path(__file__).resolve():
            continue  # its calls check documented() itself, on a page of its own
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "documented"
                    and len(node.args) >= 2 and all(isinstance(arg, ast.Constant) for arg in node.args[:2])):
                key = (node.args[0].value, node.args[1].value)
                taken.setdefault(key, []).append(str(path.relative_to(REPO)))
    return taken


@pytest.mark.parametrize("page", pages())
def test_every_command_of_the_page_is_run_by_a_test_or_says_why_not(page):
    taken = taken_by_tests()
    untested = [f"{page}:{command.line}: {command.text}" for command in commands((REPO / page).read_text())
                if command.not_run_because is None and (page, command.text) not in taken]
    assert untested == [], "no test takes these with documented(page, command)"


@pytest.mark.parametrize("page", pages())
def test_a_command_no_test_runs_says_why(page):
    for command in commands((REPO / page).read_text()):
        assert command.not_run_because != "", f"{page}:{command.line}: give the reason"


def test_every_documented_call_names_a_command_its_page_gives():
    missing = []
    for (page, command), files in taken_by_tests().items():
        try:
            documented(page, command)
        except (AssertionError, FileNotFoundError) as error:
            missing.append(f"{', '.join(files)}: {error}")
    assert missing == []


def test_the_reader_finds_pages_to_follow():
    assert "docs/tutorial.md" in pages() and len(pages()) > 1


PAGE = """# A page

<!-- not run by the tests: it needs macOS -->
```console
$ open -a Docker
```

Then:

```console
$ make dev
cluster: docker-desktop
$ curl -s \\
    http://localhost:5000/
{"athlete":"Serena Williams"}
```

```sh
$ not a console block
```
"""


def test_commands_are_read_with_their_continuations_and_reasons():
    assert [(found.text, found.not_run_because, found.line, found.output) for found in commands(PAGE)] == [
        ("open -a Docker", "it needs macOS", 5, ()),
        ("make dev", None, 11, ("cluster: docker-desktop",)),
        ("curl -s http://localhost:5000/", None, 13, ('{"athlete":"Serena Williams"}',)),
    ]


def test_documented_refuses_a_command_the_page_does_not_give(tmp_path, monkeypatch):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "page.md").write_text(PAGE)
    monkeypatch.setattr("tests.support.docs.REPO", tmp_path)
    assert documented("docs/page.md", "make dev") == "make dev"
    assert documented("docs/page.md", "curl -s http://localhost:5000/",
                      substitute={"localhost": "127.0.0.1"}) == "curl -s http://127.0.0.1:5000/"
    with pytest.raises(AssertionError, match="no longer gives"):
        documented("docs/page.md", "make tilt")
    with pytest.raises(AssertionError, match="no longer gives"):
        documented("docs/page.md", "open -a Docker")
