"""Dockerfile: named stages, a pinned base, layer order, a clean hadolint, a tight context."""

import fnmatch
import json
import re
import subprocess
import sys
from pathlib import Path

from scripts.project import REPO

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


def stages_behind(dockerfile, target):
    """The stages target is built from: its FROM chain and every stage it copies from."""
    found, stages = set(), [target]
    while stages:
        name = stages.pop()
        if name in found or name not in dockerfile.stages:
            continue  # a stage once, and the base image is none
        found.add(name)
        stage = dockerfile.stages[name]
        stages.append(stage.base)
        stages.extend(argument.split()[0].removeprefix("--from=") for kind, argument in stage.instructions
                      if kind == "COPY" and argument.startswith("--from="))
    return found


def installed_groups(dockerfile, target):
    """The dependency groups of uv.lock that the stages behind target install ("" for the project's own)."""
    groups = set()
    for name in stages_behind(dockerfile, target):
        for kind, argument in dockerfile.stages[name].instructions:
            if kind == "RUN" and re.search(r"\buv (sync|export)\b", argument):
                assert "--locked" in argument, argument  # never a lock resolved at build time
                groups.update(re.findall(r"--(?:only-)?group (\S+)", argument))
                if "--only-group" not in argument:
                    groups.add("")
    return groups


def test_each_image_installs_only_the_groups_it_runs(dockerfile):
    assert installed_groups(dockerfile, "prod") == {"", "prod"}
    assert installed_groups(dockerfile, "dev") == {"", "dev"}
    assert installed_groups(dockerfile, "debug") == {"", "dev", "debug"}


def test_the_images_install_from_the_lock_alone(dockerfile):
    for stage in dockerfile.stages.values():
        for kind, argument in stage.instructions:
            if kind == "RUN" and "pip install" in argument and "uv pip install" not in argument:
                assert re.search(r"pip install [^&]*\buv==\$\{UV_VERSION\}", argument), argument  # uv itself only
            if kind == "RUN" and "uv pip install" in argument:
                assert "--require-hashes" in argument and "--no-deps" in argument, argument
    assert not list(REPO.glob("requirements*.txt")), "a second list of dependencies beside uv.lock"


def test_no_image_carries_uv(dockerfile):
    for target in (*FINAL_TARGETS, "debug"):
        chain, stage = [], dockerfile.stages[target]
        while stage is not None:
            chain.append(stage)
            stage = dockerfile.stages.get(stage.base)
        assert "uv" not in [stage.name for stage in chain], target
        copied = [argument.split()[1] for stage in chain for kind, argument in stage.instructions
                  if kind == "COPY" and argument.startswith("--from=")]
        assert all(path.startswith("/opt/venv") or path.startswith("/opt/debug-packages") for path in copied), copied


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
