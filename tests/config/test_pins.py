"""Every tool version is pinned once, in versions.env, and each reader of a pin gets that one."""

import re
import subprocess

import pytest

from hack import gotools
from scripts import minikube, tools, versions
from scripts.project import REPO
from tests.support.files import load_dockerfile

PINS = versions.read()


def test_every_pin_is_an_exact_release():
    """A version, or the SHA-256 of a release whose project publishes none, beside its version."""
    assert PINS, "versions.env pins nothing"
    for name, value in PINS.items():
        if name.endswith("_SHA256"):
            assert re.fullmatch(r"[0-9a-f]{64}", value), f"{name}={value}"
            assert name.removesuffix("_SHA256") + "_VERSION" in PINS, name
        else:
            assert re.fullmatch(r"[A-Z_]+_VERSION", name), name
            assert re.fullmatch(r"\d+\.\d+\.\d+", value), f"{name}={value}"


def test_no_pin_reaches_a_tools_environment():
    """Skaffold reads SKAFFOLD_<FLAG> variables as flags: an exported SKAFFOLD_VERSION made
    `skaffold fix` fail with "2.24.0 is an invalid api version" under make."""
    shown = subprocess.run(["make", "--no-print-directory", "-f", "Makefile", "-f", "-", "show-environment"],
                           cwd=REPO, input="show-environment:\n\t@env\n", capture_output=True, text=True,
                           timeout=30)
    exported = {line.split("=", 1)[0] for line in shown.stdout.splitlines()}
    assert not exported & set(PINS), shown.stderr


def test_the_makefile_reads_the_pins_and_sets_none_itself():
    text = (REPO / "Makefile").read_text()
    assert re.search(r"^include versions\.env$", text, re.M)
    assert not re.search(r"^[A-Z_]+_VERSION\s*[:?]?=", text, re.M)
    shown = subprocess.run(["make", "--no-print-directory", "-f", "Makefile", "-f", "-", "show-pins"], cwd=REPO,
                           input="show-pins:\n\t@echo " + " ".join(f"{n}=$({n})" for n in PINS) + "\n",
                           capture_output=True, text=True, timeout=30)
    assert shown.stdout.split() == [f"{name}={version}" for name, version in PINS.items()], shown.stderr


@pytest.mark.parametrize("tool_name", ["minikube", "kubectl", "skaffold", "tilt"])
def test_the_downloader_fetches_the_pinned_release(tool_name, monkeypatch):
    tool = tools.TOOLS[tool_name]
    monkeypatch.delenv(tool.pin_variable, raising=False)
    assert tools.pinned_version(tool) == PINS[tool.pin_variable]


def test_kubectl_follows_the_cluster_that_minikube_starts(monkeypatch):
    assert tools.TOOLS["kubectl"].pin_variable == "KUBERNETES_VERSION"
    monkeypatch.delenv("KUBERNETES_VERSION", raising=False)
    assert minikube.start_command()[-2:] == ["--kubernetes-version", f"v{PINS['KUBERNETES_VERSION']}"]


@pytest.mark.parametrize("tool", gotools.TOOLS.values(), ids=lambda tool: tool.name)
def test_ci_builds_each_tool_at_its_pin(tool):
    """The wrapper module of each CI-built tool requires the pinned version: CI tests what users run."""
    assert tool.pin in PINS
    assert gotools.wrapped_version(tool) == PINS[tool.pin], "run `make tools-mod` and commit the result"


def test_the_images_build_with_the_pinned_uv():
    (declared,) = [argument for kind, argument in load_dockerfile().stages["uv"].instructions
                   if kind == "ARG" and argument.startswith("UV_VERSION=")]
    assert declared == f"UV_VERSION={PINS['UV_VERSION']}"
