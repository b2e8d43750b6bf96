"""scripts/ holds what a user's commands run, hack/ the test equipment: the path alone says
whether a file runs on a user's laptop (kubebuilder's and Kubernetes' own convention)."""

from scripts.project import REPO

# What a user types or runs: the Makefile's commands and the tools' configurations.
USER_ENTRY_POINTS = ("Makefile", "skaffold.yaml", "Tiltfile")
SCRIPTS = sorted(path for path in (REPO / "scripts").iterdir() if path.is_file())


def reached_from_the_users_path():
    """The scripts that a user's command runs, directly or through another of them."""
    reached, texts = set(), [(REPO / name).read_text() for name in USER_ENTRY_POINTS]
    while True:
        found = {script for script in SCRIPTS
                 if any(script.name in text or f"import {script.stem}" in text for text in texts)} - reached
        if not found:
            return reached
        reached |= found
        texts = [script.read_text() for script in found]


def test_every_script_in_scripts_is_run_by_a_users_command():
    assert set(SCRIPTS) - reached_from_the_users_path() == set()


def test_no_user_script_reaches_into_hack():
    for script in SCRIPTS:
        assert "hack/" not in script.read_text(), script.name
