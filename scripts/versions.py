"""The pinned tool versions, read from versions.env at the top of the repository."""

from pathlib import Path

VERSIONS_FILE = Path(__file__).resolve().parent.parent / "versions.env"


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
