"""scripts/ holds what a user's commands run, hack/ the test equipment: the path alone says
whether a file runs on a user's laptop (kubebuilder's and Kubernetes' own convention)."""

import re

from scripts.__main__ import COMMANDS
from scripts.project import REPO

# What a user types or runs: the Makefile's commands and the tools' configurations.
USER_ENTRY_POINTS = ("Makefile", "skaffold.yaml", "Tiltfile")
SCRIPTS = sorted(path for path in (REPO / "scripts").iterdir() if path.is_file())
PACKAGE_FILES = ("__init__.py", "__main__.py")


def runs(path, text, script):
    """Whether the file at path, which holds text, runs script: `python3 -m scripts` runs the
    package's own files, its __main__ each command's module; a file names a shell script, and
    a module imports another."""
    if script.name in PACKAGE_FILES:
        return bool(re.search(r"-m\W+scripts\b", text))
    if path.name == "__main__.py" and script.stem in COMMANDS:
        return True
    stem = re.escape(script.stem)
    return script.name in text or bool(re.search(rf"\bimport {stem}\b|from \.{stem} import|"
                                                  rf"from \. import [\w ,]*\b{stem}\b|\bscripts\.{stem}\b", text))


def reached_from_the_users_path():
    """The scripts that a user's command runs, directly or through another of them."""
    reached, files = set(), [(REPO / name, (REPO / name).read_text()) for name in USER_ENTRY_POINTS]
    while True:
        found = {script for script in SCRIPTS if any(runs(path, text, script) for path, text in files)} - reached
        if not found:
            return reached
        reached |= found
        files = [(script, script.read_text()) for script in found]


def test_every_script_in_scripts_is_run_by_a_users_command():
    assert set(SCRIPTS) - reached_from_the_users_path() == set()


def test_no_user_script_reaches_into_hack():
    for script in SCRIPTS:
        assert "hack/" not in script.read_text(), script.name
