"""docs/how-to/clean-up.md's steps on this machine, in a copy of the project: `du` of the venv
and ./bin, `make clean` (the venv and the caches gone, ./bin kept), then `rm -rf bin`."""

import os
import shlex
import subprocess

import pytest

from harness.loop import MAKE_VARIABLES, copy_project
from scripts.project import REPO
from tests.support.docs import documented

REMOVED_BY_MAKE_CLEAN = (".venv", ".pytest_cache", ".hypothesis", "bench-results", "app/__pycache__",
                         "tests/unit/__pycache__")


@pytest.fixture
def clone(tmp_path):
    """A copy of the project with a venv, caches and results of its own, and ./bin."""
    copy = copy_project(tmp_path / "project")
    for folder in REMOVED_BY_MAKE_CLEAN:
        (copy / folder).mkdir(parents=True, exist_ok=True)
        (copy / folder / "made-by-the-test").write_text("x")
    (copy / "bin").mkdir(exist_ok=True)
    (copy / "bin" / "tool").write_text("a fetched tool\n")
    return copy


def run_in(clone, command):
    """Run a command of the page in the copy, as typed in a shell there: no VENV of a caller's
    make (this repo's venv must never be what `make clean` removes)."""
    assert clone.resolve() != REPO.resolve()
    env = {name: value for name, value in os.environ.items() if name not in (*MAKE_VARIABLES, "VENV")}
    result = subprocess.run(shlex.split(command), cwd=clone, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_the_clean_up_steps_remove_the_venv_the_caches_then_the_tools(clone):
    sizes = run_in(clone, documented("docs/how-to/clean-up.md", "du -sh .venv bin"))
    assert [line.split()[1] for line in sizes.splitlines()] == [".venv", "bin"]

    run_in(clone, documented("docs/how-to/clean-up.md", "make clean"))
    assert [folder for folder in REMOVED_BY_MAKE_CLEAN if (clone / folder).exists()] == []
    assert (clone / "bin" / "tool").exists(), "make clean removed ./bin"
    assert (clone / "Makefile").exists() and (clone / "app" / "views.py").exists()

    run_in(clone, documented("docs/how-to/clean-up.md", "rm -rf bin"))
    assert not (clone / "bin").exists()
    assert (REPO / "Makefile").exists()
