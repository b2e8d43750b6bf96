"""Dockerfile: named stages, a pinned base, layer order, a clean hadolint, a tight context."""

import fnmatch
import json
import re
import subprocess
import sys
from pathlib import Path

from tests.support.edits import REPO

HADOLINT = Path(sys.executable).parent / "hadolint"
FINAL_TARGETS = ("dev", "prod")


def test_every_stage_is_named():
    for line in (REPO / "Dockerfile").read_text().splitlines():
        if line.startswith("FROM "):
            assert re.match(r"^FROM \S+ AS [a-z-]+$", line), line


def test_base_image_is_an_argument_pinned_to_a_minor_version(dockerfile):
    assert re.fullmatch(r"python:3\.\d+-slim(-[a-z]+)?", dockerfile.args["BASE_IMAGE"])
    assert dockerfile.stages["base"].base == "${BASE_IMAGE}"


def test_every_global_argument_is_used(dockerfile):
    bases = " ".join(stage.base for stage in dockerfile.stages.values())
    for name in dockerfile.args:
        assert f"${{{name}}}" in bases or f"${name}" in bases, name


def test_commands_are_exec_form(dockerfile):
    for target in (*FINAL_TARGETS, "debug"):
        assert isinstance(json.loads(dockerfile.stages[target].last("CMD")), list), target


def test_output_is_unbuffered(dockerfile):
    assert "PYTHONUNBUFFERED=1" in dockerfile.stages["base"].last("ENV")


def test_dependencies_are_installed_before_the_code_is_copied(dockerfile):
    for target in FINAL_TARGETS:
        copies = [arg for kind, arg in dockerfile.stages[target].instructions if kind == "COPY"]
        venv = next(i for i, arg in enumerate(copies) if "/opt/venv" in arg)
        code = next(i for i, arg in enumerate(copies) if "app/" in arg)
        assert venv < code, target


def test_prod_carries_no_dev_tooling(dockerfile):
    copies = " ".join(arg for kind, arg in dockerfile.stages["prod"].instructions if kind == "COPY")
    assert "devserver.py" not in copies
    assert "--from=dev-venv" not in copies


def test_debug_is_the_dev_image_under_debugpy_on_the_pods_loopback_only(dockerfile):
    debug = dockerfile.stages["debug"]
    assert debug.base == "dev"
    # One layer above the dev image: the debugger's packages, nothing run, the same user.
    assert [(kind, arg.split()[0]) for kind, arg in debug.instructions if kind in ("COPY", "RUN", "USER")] == [
        ("COPY", "--from=debug-packages")]
    assert "PYTHONPATH=/opt/debug-packages" in debug.last("ENV")
    command = json.loads(debug.last("CMD"))
    # The shape `skaffold debug` keeps as it is (transform_python.go: `-m debugpy --listen`).
    assert command == ["python3", "-m", "debugpy", "--listen", "127.0.0.1:5678", "-m", "devserver"]
    assert json.loads(dockerfile.stages["dev"].last("CMD")) == ["python3", "-m", "devserver"]


def test_debugpy_is_in_the_debug_requirements_only():
    assert "\ndebugpy==" in (REPO / "requirements-debug.txt").read_text()
    for name in ("requirements.txt", "requirements-dev.txt", "requirements-prod.txt"):
        assert "debugpy" not in (REPO / name).read_text(), name


def installed_requirements(dockerfile, target):
    """The requirements files that the stages target is built from install."""
    found, stages, seen = set(), [target], set()
    while stages:
        name = stages.pop()
        if name in seen or name not in dockerfile.stages:
            continue  # a stage once, and the base image is none
        seen.add(name)
        stage = dockerfile.stages[name]
        stages.append(stage.base)
        for kind, argument in stage.instructions:
            if kind == "COPY" and argument.startswith("--from="):
                stages.append(argument.split()[0].removeprefix("--from="))
            if kind == "RUN":
                found.update(Path(path).name for path in re.findall(r"-r (\S+)", argument))
    return found


def test_each_image_installs_only_the_packages_it_runs(dockerfile):
    assert installed_requirements(dockerfile, "prod") == {"requirements.txt", "requirements-prod.txt"}
    assert installed_requirements(dockerfile, "dev") == {"requirements.txt", "requirements-dev.txt"}
    assert installed_requirements(dockerfile, "debug") == {
        "requirements.txt", "requirements-dev.txt", "requirements-debug.txt"}


def test_hadolint_finds_nothing():
    result = subprocess.run([str(HADOLINT), "--no-color", str(REPO / "Dockerfile")], capture_output=True, text=True)
    assert (result.returncode, result.stdout) == (0, ""), result.stdout + result.stderr


def dockerignore_keeps(path):
    """Whether .dockerignore lets path into the build context (last matching rule wins)."""
    kept = True
    for rule in (REPO / ".dockerignore").read_text().splitlines():
        rule = rule.strip()
        if not rule or rule.startswith("#"):
            continue
        negated = rule.startswith("!")
        pattern = rule.lstrip("!").rstrip("/")
        if fnmatch.fnmatch(path, pattern) or path.startswith(pattern + "/"):
            kept = negated
    return kept


def test_build_context_holds_what_the_image_copies_and_nothing_else(dockerfile):
    for stage in dockerfile.stages.values():
        for kind, argument in stage.instructions:
            if kind == "COPY" and "--from=" not in argument:
                sources = [word for word in argument.split()[:-1] if not word.startswith("--")]
                for source in sources:
                    assert dockerignore_keeps(source.rstrip("/")), source
    for outside in ("tests/unit/test_views.py", "k8s/deployment.yaml", ".git/config", ".venv/bin/python",
                    "README.md", "app/__pycache__/views.cpython-311.pyc"):
        assert not dockerignore_keeps(outside), outside
