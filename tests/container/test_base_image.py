"""A base image that cannot be pulled is one loud skip of the layer, not a failure per test."""

import os
import subprocess
import sys

import pytest

from scripts.project import REPO

pytestmark = pytest.mark.container
UNPULLABLE = "registry.invalid/python:3.12-slim-bookworm"


def run_layer(ci):
    """Run the image tests in a child pytest whose base image cannot be had; return (code, output)."""
    env = {**os.environ, "BASE_IMAGE": UNPULLABLE, "CI": "true" if ci else "false"}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "tests/container/test_images.py"],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    return result.returncode, result.stdout + result.stderr


def test_outside_ci_the_layer_says_once_why_it_cannot_run(base):
    code, output = run_layer(ci=False)
    assert code == 0, output
    reasons = [line for line in output.splitlines() if "CONTAINER LAYER SKIPPED" in line]
    assert len(reasons) == 1, output
    assert f"the base image {UNPULLABLE} cannot be pulled" in reasons[0]
    assert "Set BASE_IMAGE to a local image" in reasons[0]
    assert " error" not in output and "failed" not in output


def test_in_ci_it_is_a_failure(base):
    code, output = run_layer(ci=True)
    assert code == 1, output
    assert "CONTAINER LAYER CANNOT RUN IN CI" in output
