"""Tiltfile: executed in Tilt's Starlark with stand-ins that accept only Tilt's parameters."""

import inspect
import os
import re
from pathlib import Path

import pytest
import starlark_go

from tests.support.files import MANIFEST_PATHS
from tests.support.layers import cannot_run
from tests.support.tilt import SIGNATURES, run_tiltfile

REFERENCE_VARIABLE = "TILT_BUILTINS"


def test_builds_the_dev_target_with_live_update(tilt):
    build = tilt.one("docker_build", ref="flask-app")
    assert (build["context"], build["target"]) == (".", "dev")
    steps = [step["builtin"] for step in build["live_update"]]
    assert steps == ["fall_back_on", "sync"]


def test_live_update_steps_are_in_the_order_tilt_requires(tilt):
    order = ["initial_sync", "fall_back_on", "sync", "run"]
    steps = [order.index(step["builtin"]) for step in tilt.one("docker_build")["live_update"]]
    assert steps == sorted(steps)


def test_requirements_changes_rebuild_instead_of_syncing(tilt):
    (fall_back,) = [s for s in tilt.one("docker_build")["live_update"] if s["builtin"] == "fall_back_on"]
    assert {"requirements.txt", "requirements-dev.txt"} <= set(fall_back["paths"])


def test_deploys_the_manifests_and_forwards_port_5000(tilt):
    (manifests,) = tilt.of("k8s_yaml")
    assert manifests["yaml"] == list(MANIFEST_PATHS)
    resource = tilt.one("k8s_resource", workload="flask-app")
    assert resource["port_forwards"] == 5000
    assert resource["resource_deps"] == ["unit-tests"]
    assert resource["labels"]


def test_unit_tests_run_on_every_change_to_the_code_or_tests(tilt):
    tests = tilt.one("local_resource", name="unit-tests")
    assert tests["cmd"] == "make test-unit"
    assert {"app", "tests/unit"} <= set(tests["deps"])


def test_a_manual_resource_curls_the_ingress(tilt):
    curl = tilt.one("local_resource", name="curl-ingress")
    assert (curl["cmd"], curl["trigger_mode"], curl["auto_init"]) == ("make curl", "manual", False)


def test_only_local_clusters_are_allowed(tilt):
    assert tilt.of("allow_k8s_contexts") == []


def test_an_unknown_parameter_fails_as_in_tilt(tmp_path):
    (tmp_path / "Tiltfile").write_text("k8s_resource('flask-app', port_forward=5000)\n")
    with pytest.raises(starlark_go.EvalError, match="port_forward"):
        run_tiltfile(tmp_path / "Tiltfile")


def test_a_missing_file_fails_as_in_tilt(tmp_path):
    (tmp_path / "Tiltfile").write_text("k8s_yaml('k8s/missing.yaml')\n")
    with pytest.raises(starlark_go.EvalError, match="missing.yaml"):
        run_tiltfile(tmp_path / "Tiltfile")


def reference_parameters(text):
    """{builtin: [parameter names]} from the reference's table of Tilt builtins."""
    found = {}
    for names, parameters in re.findall(r"^\| ([a-z0-9_, ]+) \| (.*) \|$", text, re.M):
        if parameters.startswith("(no parameters)"):
            parameters = ""
        words = [p.split("=")[0].strip() for p in re.sub(r"\(obsolete\)", "", parameters).split(",")]
        for name in names.split(","):
            found[name.strip()] = [word for word in words if word]
    return found


def test_stand_ins_take_exactly_the_parameters_of_tilts_builtins():
    path = os.environ.get(REFERENCE_VARIABLE)
    if not path:
        cannot_run("TILT REFERENCE CHECK", f"${REFERENCE_VARIABLE} is not set", "Point it at tilt-builtins.md.")
    reference = reference_parameters(Path(path).read_text())
    for signature in SIGNATURES:
        assert list(inspect.signature(signature).parameters) == reference[signature.__name__], signature.__name__
