"""Python dependencies: declared once in pyproject.toml and locked with a hash for every artifact
in uv.lock, the one list the host's venv and the images install from."""

import re
import subprocess
import tomllib

import pytest

from scripts.project import REPO
from tests.support import dependencies

@pytest.fixture(scope="module")
def uv():
    return dependencies.uv()


def test_the_lock_agrees_with_the_declarations(uv):
    result = subprocess.run([uv, "lock", "--check", "--offline"], cwd=REPO, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, f"pyproject.toml and uv.lock disagree: run `make lock`\n{result.stderr}"


def test_every_locked_artifact_has_a_hash():
    packages = tomllib.loads((REPO / "uv.lock").read_text())["package"]
    for package in packages:
        if "virtual" in package["source"]:
            continue  # the project itself, never installed
        artifacts = package.get("wheels", []) + ([package["sdist"]] if "sdist" in package else [])
        assert artifacts, package["name"]
        assert all(artifact["hash"].startswith("sha256:") for artifact in artifacts), package["name"]


def test_each_dependency_is_declared_once():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    declared = project["project"]["dependencies"] + [
        requirement for group in project["dependency-groups"].values()
        for requirement in group if isinstance(requirement, str)]
    names = [re.match(r"[A-Za-z0-9._-]+", requirement).group().lower() for requirement in declared]
    assert sorted(names) == sorted(set(names))
    assert all("==" in requirement for requirement in declared), "declare exact versions"
