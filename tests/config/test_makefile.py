"""Makefile: help lists every target with a line, and a missing tool is named with how to get it."""

import re
import shutil
import subprocess

import pytest

from scripts import versions
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


def uv_chosen(tmp_path, version_line):
    """The uv that make would run with a uv printing version_line on PATH."""
    (tmp_path / "uv").write_text(f"#!/bin/sh\necho '{version_line}'\n")
    (tmp_path / "uv").chmod(0o755)
    code, output = make("-s", "--eval", "print-uv: ; @echo $(UV)", "print-uv",
                        env={"PATH": f"{tmp_path}:/usr/bin:/bin", "HOME": str(tmp_path)})
    assert code == 0, output
    return output.strip()


@pytest.mark.parametrize(("version_line", "on_path"), [
    (f"uv {versions.read()['UV_VERSION']}", True), ("uv 99.0.0 (0123abc 2030-01-01)", True),
    ("uv 0.1.0", False), ("uv (version unknown)", False)])
def test_a_uv_on_path_is_used_only_when_it_is_not_older_than_the_pin(tmp_path, version_line, on_path):
    assert uv_chosen(tmp_path, version_line) == (str(tmp_path / "uv") if on_path else str(REPO / "bin/uv/bin/uv"))
