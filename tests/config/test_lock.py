"""Python dependencies: declared once in pyproject.toml, locked with a hash for every artifact
in uv.lock, and the images' requirements*.txt exported from that lock."""

import re
import shutil
import subprocess
import tomllib

import pytest

from tests.support.edits import REPO
from tests.support.layers import cannot_run

EXPORTS = ("requirements.txt", "requirements-dev.txt", "requirements-debug.txt", "requirements-prod.txt")


@pytest.fixture(scope="module")
def uv():
    """The uv that make uses: the one on PATH, else the one `make venv` fetched into bin/."""
    fetched = REPO / "bin" / "uv" / "bin" / "uv"
    found = shutil.which("uv") or (str(fetched) if fetched.exists() else None)
    if found is None:
        cannot_run("LOCK CHECK", "uv is not installed", "`make venv` fetches it")
    return found


def test_the_lock_agrees_with_the_declarations(uv):
    result = subprocess.run([uv, "lock", "--check", "--offline"], cwd=REPO, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, f"pyproject.toml and uv.lock disagree: run `make lock`\n{result.stderr}"


def test_the_images_requirements_are_exported_from_the_lock(uv, tmp_path):
    for name in ("Makefile", "versions.env", "pyproject.toml", "uv.lock"):
        shutil.copy(REPO / name, tmp_path / name)
    subprocess.run(["make", "--no-print-directory", "requirements", f"UV={uv}"], cwd=tmp_path, check=True,
                   capture_output=True, timeout=60)
    for name in EXPORTS:
        assert (tmp_path / name).read_text() == (REPO / name).read_text(), f"{name} is stale: run `make requirements`"


def test_every_locked_artifact_has_a_hash():
    packages = tomllib.loads((REPO / "uv.lock").read_text())["package"]
    for package in packages:
        if "virtual" in package["source"]:
            continue  # the project itself, never installed
        artifacts = package.get("wheels", []) + ([package["sdist"]] if "sdist" in package else [])
        assert artifacts, package["name"]
        assert all(artifact["hash"].startswith("sha256:") for artifact in artifacts), package["name"]


@pytest.mark.parametrize("name", EXPORTS)
def test_every_exported_requirement_is_pinned_with_a_hash(name):
    requirements = re.split(r"\n(?=\S)", (REPO / name).read_text())
    pinned = [entry for entry in requirements if not entry.startswith("#") and entry.strip()]
    assert pinned, name
    for entry in pinned:
        assert re.match(r"[a-z0-9._-]+==[\w.]+", entry), entry.splitlines()[0]
        assert "--hash=sha256:" in entry, entry.splitlines()[0]


def test_each_dependency_is_declared_once():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    declared = project["project"]["dependencies"] + [
        requirement for group in project["dependency-groups"].values()
        for requirement in group if isinstance(requirement, str)]
    names = [re.match(r"[A-Za-z0-9._-]+", requirement).group().lower() for requirement in declared]
    assert sorted(names) == sorted(set(names))
    assert all("==" in requirement for requirement in declared), "declare exact versions"
