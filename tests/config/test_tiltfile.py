"""Tiltfile, as Tilt itself loads it (`tilt alpha tiltfile-result`), and what it sets up."""

import json

import pytest

from scripts.project import REPO
from tests.support.real_tools import TiltResult, tiltfile_result


def test_tilt_refuses_an_unknown_parameter(tmp_path):
    (tmp_path / "Tiltfile").write_text("k8s_resource('flask-app', port_forward=5000)\n")
    code, _, err = tiltfile_result(tmp_path / "Tiltfile")
    assert code != 0 and "port_forward" in err


def test_builds_the_dev_target_and_live_updates_the_code(tilt):
    image = tilt.image("flask-app")
    assert image["BuildDetails"]["target"] == "dev"
    assert image["BuildDetails"]["context"] == str(REPO)
    assert "args" not in image["BuildDetails"]
    spec = image["LiveUpdateSpec"]
    assert spec["syncs"] == [{"localPath": "app", "containerPath": "/app/app"}]
    # New dependencies or a new dev server need a new image, not a sync.
    assert {"pyproject.toml", "uv.lock", "devserver.py"} <= set(spec["stopPaths"])


def test_a_local_base_image_is_passed_to_the_build_when_set():
    code, result, err = tiltfile_result(env={"BASE_IMAGE": "my/python:3.12"})
    assert code == 0, err
    assert TiltResult(result).image("flask-app")["BuildDetails"]["args"] == ["BASE_IMAGE=my/python:3.12"]


def test_flask_app_deploys_every_manifest_after_the_unit_tests(tilt, manifests):
    assert set(tilt.objects("flask-app")) == set(manifests) == {"Deployment", "Service", "Ingress",
                                                                 "PodDisruptionBudget"}
    assert tilt.manifests["flask-app"]["ResourceDependencies"] == ["unit-tests"]


def test_one_named_forward_and_no_second_link_to_the_same_address(tilt):
    deploy = tilt.deploy("flask-app")
    assert deploy["portForwardTemplateSpec"]["forwards"] == [
        {"localPort": 5000, "containerPort": 5000, "host": "localhost", "name": "favorite athlete"}]
    assert not deploy["Links"]


def test_the_app_can_answer_on_another_local_port(tilt):
    """`make tilt PORT=5005`: a second loop on the same machine."""
    code, result, err = tiltfile_result(args=["--port", "5005"])
    assert code == 0, err
    (forward,) = TiltResult(result).deploy("flask-app")["portForwardTemplateSpec"]["forwards"]
    assert forward == {"localPort": 5005, "containerPort": 5000, "host": "localhost", "name": "favorite athlete"}


def test_unit_tests_run_on_every_change_to_the_code_or_tests(tilt):
    tests = tilt.deploy("unit-tests")
    assert tests["UpdateCmdSpec"]["args"] == ["sh", "-c", "make test-unit"]
    assert {str(REPO / "app"), str(REPO / "tests" / "unit")} <= set(tests["Deps"])
    assert tilt.manifests["unit-tests"]["TriggerMode"] == TiltResult.TRIGGER_AUTO


def test_a_manual_button_curls_the_ingress(tilt):
    assert tilt.deploy("curl-ingress")["UpdateCmdSpec"]["args"] == ["sh", "-c", "make curl"]
    assert tilt.manifests["curl-ingress"]["TriggerMode"] == TiltResult.TRIGGER_MANUAL
    assert tilt.manifests["curl-ingress"]["ResourceDependencies"] == ["flask-app"]


def test_every_resource_has_a_label(tilt):
    labels = {name: list(manifest["Labels"]) for name, manifest in tilt.manifests.items()}
    assert labels == {"flask-app": ["app"], "unit-tests": ["tests"], "curl-ingress": ["tools"]}


@pytest.fixture
def shared_cluster(tmp_path):
    """The environment of Tilt on a context that no tool takes as local (nothing is contacted)."""
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "team-shared",
        "clusters": [{"name": "team-shared", "cluster": {"server": "https://127.0.0.1:1"}}],
        "users": [{"name": "dev", "user": {}}],
        "contexts": [{"name": "team-shared", "context": {"cluster": "team-shared", "user": "dev"}}],
    }))
    return {"KUBECONFIG": str(kubeconfig)}


def test_no_remote_context_is_allowed_without_a_registry(shared_cluster):
    code, _, err = tiltfile_result(env=shared_cluster)
    assert code != 0 and "team-shared might be production" in err


def test_a_team_loop_allows_exactly_the_context_make_checked(shared_cluster):
    code, _, err = tiltfile_result(env={**shared_cluster, "REGISTRY": "127.0.0.1:5001/alice",
                                        "KUBE_CONTEXT": "team-other"})
    assert code != 0 and "runs on the context that make checked (KUBE_CONTEXT=team-other), not team-shared" in err


def test_a_team_loop_pushes_to_the_registry_and_deploys_no_ingress(shared_cluster):
    code, result, err = tiltfile_result(env={**shared_cluster, "REGISTRY": "127.0.0.1:5001/alice",
                                             "KUBE_CONTEXT": "team-shared"})
    assert code == 0, err
    team = TiltResult(result)
    assert set(team.objects("flask-app")) == {"Deployment", "Service", "PodDisruptionBudget"}
    assert "curl-ingress" not in team.manifests
    assert team.result["DefaultRegistry"] == {"host": "127.0.0.1:5001/alice"}


def test_a_local_loop_pushes_nowhere(tilt):
    assert not (tilt.result.get("DefaultRegistry") or {}).get("host")


def debug_result(*args):
    code, result, err = tiltfile_result(args=["--debug", *args])
    assert code == 0, err
    return TiltResult(result)


def test_debug_flag_builds_the_debug_image_with_the_same_live_update(tilt):
    debug = debug_result()
    assert debug.image("flask-app")["BuildDetails"]["target"] == "debug"
    assert debug.image("flask-app")["LiveUpdateSpec"] == tilt.image("flask-app")["LiveUpdateSpec"]


def test_debug_flag_forwards_the_debugger_beside_the_app(tilt):
    forwards = debug_result().deploy("flask-app")["portForwardTemplateSpec"]["forwards"]
    assert forwards == [*tilt.deploy("flask-app")["portForwardTemplateSpec"]["forwards"],
                        {"localPort": 5678, "containerPort": 5678, "host": "localhost",
                         "name": "debugger (attach here)"}]
    moved = debug_result("--debug-port", "5999").deploy("flask-app")["portForwardTemplateSpec"]["forwards"]
    assert moved[1]["localPort"] == 5999 and moved[1]["containerPort"] == 5678


def test_debug_flag_deploys_what_skaffold_debug_does(manifests):
    """One replica, probes that wait out a breakpoint (Skaffold's 600 s), no budget."""
    objects = debug_result().objects("flask-app")
    assert set(objects) == {"Deployment", "Service", "Ingress"}
    deployment = objects["Deployment"]
    assert deployment["spec"]["replicas"] == 1
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["readinessProbe"]["timeoutSeconds"] == container["livenessProbe"]["timeoutSeconds"] == 600
    # Everything else as written.
    expected = manifests["Deployment"]["spec"]["template"]["spec"]
    for probe in ("readinessProbe", "livenessProbe"):
        container[probe]["timeoutSeconds"] = expected["containers"][0][probe]["timeoutSeconds"]
    assert deployment["spec"]["template"]["spec"] == expected
