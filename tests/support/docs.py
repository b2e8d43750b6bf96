"""The commands a reader of the tutorial and the how-to guides types, read from the pages.

A command is a line starting `$ ` in a ```console block (a line ending in `\\` goes on to the
next); the lines under it are what the reader sees. A block whose commands no test can run
here is preceded by `<!-- not run by the tests: REASON -->`.

A test that runs a command takes it from the page with `documented(page, command)`, so it runs
what the page says; tests/config/test_doc_commands.py checks, without running anything, that
every runnable command of those pages is taken by some test."""

import re
from dataclasses import dataclass, replace

from scripts.project import REPO

def pages():
    """The pages a reader follows step by step, the tutorial and every how-to guide, as paths
    relative to the repository."""
    found = [REPO / "docs" / "tutorial.md", *sorted((REPO / "docs" / "how-to").glob("*.md"))]
    return [str(page.relative_to(REPO)) for page in found if page.exists()]


NOT_RUN = re.compile(r"^<!--\s*not run by the tests:\s*(.*?)\s*-->\s*$")
FENCE = re.compile(r"^ {0,3}(```|~~~)\s*(\S*)")


@dataclass(frozen=True)
class Command:
    """One command of a page: what the reader types, and why no test runs it (None if one does)."""
    text: str
    not_run_because: str | None
    line: int
    output: tuple = ()


def commands(text):
    """Every command of the ```console blocks of a page's text, in order."""
    found, reason, block, pending = [], None, None, None
    previous = ""
    for number, line in enumerate(text.splitlines(), 1):
        fence = FENCE.match(line)
        if block is None:
            if fence:
                block, block_start = fence.group(2), number
                match = NOT_RUN.match(previous.strip())
                reason = match.group(1) if match else None
            if line.strip():
                previous = line
            continue
        if fence and not fence.group(2) and line.strip() == fence.group(1):
            block = None
            previous = ""
            continue
        if block != "console":
            continue
        if pending is not None:
            pending = (pending[0] + " " + line.strip().removesuffix("\\").strip(), pending[1])
        elif line.startswith("$ "):
            pending = (line[2:].strip().removesuffix("\\").strip(), number)
        else:
            if found and found[-1].line >= block_start:
                found[-1] = replace(found[-1], output=found[-1].output + (line,))
            continue
        if not line.rstrip().endswith("\\"):
            found.append(Command(pending[0], reason, pending[1]))
            pending = None
    return found


def shown_output(page, command):
    """The lines a page shows under one of its commands: what the reader should see."""
    return next(found.output for found in commands((REPO / page).read_text()) if found.text == command)


def documented(page, command, substitute=None):
    """command, checked to be one the page gives as run by the tests; with substitute, each
    placeholder of the page (a key) replaced by what the test runs against (its value)."""
    runnable = [found.text for found in commands((REPO / page).read_text()) if found.not_run_because is None]
    assert command in runnable, f"{page} no longer gives the command {command!r}; it gives {runnable}"
    for placeholder, value in (substitute or {}).items():
        assert placeholder in command, f"{placeholder!r} is not in {command!r}"
        command = command.replace(placeholder, value)
    return command
