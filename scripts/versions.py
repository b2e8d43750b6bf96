"""The pinned tool versions, read from versions.env at the top of the repository: the one
reader of that file for every script (the Makefile passes no pin on)."""

import os
from pathlib import Path

from .project import REPO

VERSIONS_FILE = REPO / "versions.env"


def read(path=VERSIONS_FILE):
    """Every NAME=VALUE line of the pin file, as a dict; comments and blank lines skipped."""
    pins = {}
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.isidentifier() or not value:
            raise ValueError(f"{path}:{number}: expected NAME=VALUE, got {line!r}")
        pins[name] = value
    return pins


def pin(name):
    """The pinned value of name, without a leading v: the environment's (the tests pin fixture
    releases so), else versions.env's; '' when neither pins it."""
    return (os.environ.get(name) or read().get(name, "")).lstrip("v")
