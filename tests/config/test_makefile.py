"""Makefile: help lists every target with a line, and a missing tool is named with how to get it."""

import re
import shutil
import subprocess

from scripts.project import REPO
from tests.support.files import make_targets

MAKE = shutil.which("make")


def make(*args, env=None):
    """Run make in the repo; return (exit code, stdout and stderr)."""
    result = subprocess.run([MAKE, "--no-print-directory", *args], cwd=REPO, capture_output=True, text=True,
                            env=env, timeout=60)
    return result.returncode, result.stdout + result.stderr


def test_help_is_the_default_goal_and_lists_every_target_with_a_line():
    code, output = make()
    assert code == 0, output
    plain = re.sub(r"\x1b\[[0-9;]*m", "", output)
    for target, description in make_targets().items():
        if target.startswith("$"):
            continue
        assert description, f"target {target} has no ## description"
        assert re.search(rf"^  {re.escape(target)} +{re.escape(description)}$", plain, re.M), target


def test_every_target_is_phony():
    text = (REPO / "Makefile").read_text()
    for target in make_targets():
        assert f".PHONY: {target}\n{target}:" in text, target


def test_a_missing_tool_is_named_with_how_to_install_it(tmp_path):
    (tmp_path / "bash").symlink_to(shutil.which("bash"))
    code, output = make("image", env={"PATH": str(tmp_path), "HOME": str(tmp_path)})
    assert code != 0
    assert "'docker' is not installed" in output
    assert "https://docs.docker.com/get-docker/" in output
