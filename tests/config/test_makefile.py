"""Makefile and doctor: help lists every target, missing tools are named with how to get them."""

import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.support.edits import REPO
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


def fake_tool(directory, name, version):
    """An executable called name that prints version, whatever it is asked."""
    path = directory / name
    path.write_text(f"#!/bin/sh\necho '{version}'\n")
    path.chmod(0o755)


@pytest.fixture
def doctor(tmp_path):
    """Run scripts/doctor.py with only the fake tools in tmp_path on PATH."""
    def run(*tools):
        env = {**os.environ, "PATH": str(tmp_path)}
        result = subprocess.run([sys.executable, str(REPO / "scripts" / "doctor.py"), *tools],
                                capture_output=True, text=True, env=env, timeout=60)
        return result.returncode, result.stdout + result.stderr

    return run


def test_doctor_reports_each_tool_with_its_version(tmp_path, doctor):
    for name in ("docker", "minikube", "skaffold", "tilt"):
        fake_tool(tmp_path, name, f"v9.9-{name}")
    fake_tool(tmp_path, "kubectl", '{"clientVersion": {"gitVersion": "v1.34.0"}}')
    code, output = doctor()
    assert code == 0, output
    assert "v9.9-skaffold" in output and "v1.34.0" in output


def test_doctor_names_a_missing_tool_and_where_to_get_it(tmp_path, doctor):
    fake_tool(tmp_path, "docker", "28.0.0")
    code, output = doctor("docker", "skaffold")
    assert code == 1
    assert "MISSING  skaffold" in output and "https://skaffold.dev/docs/install/" in output


def test_doctor_refuses_an_unknown_tool(doctor):
    assert doctor("helm")[0] == 2
