"""Cross-checks: the files agree with each other and with the app they deploy."""

import glob
import re
from pathlib import Path

import pytest

from app import create_app
from harness.files import command_words
from scripts import resync, retest
from scripts.project import REPO
from tests.support.files import make_recipe

GATE = ["make", "test-unit"]


@pytest.fixture(scope="module")
def routes():
    """The GET paths the app serves."""
    return {rule.rule for rule in create_app({"TESTING": True}).url_map.iter_rules() if "GET" in rule.methods}


def test_tilt_attaches_the_ingress_and_the_budget_to_the_workload(manifests, tilt):
    attached = tilt.objects(manifests["Deployment"]["metadata"]["name"])
    for kind in ("Ingress", "PodDisruptionBudget"):
        assert attached[kind]["metadata"]["name"] == manifests[kind]["metadata"]["name"]


def test_probe_paths_are_routes_the_app_serves(container, routes):
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"] in routes, probe


def test_skaffold_and_tilt_deploy_the_same_manifests(skaffold, tilt, manifests):
    for path in skaffold["manifests"]["rawYaml"]:
        assert Path(path).is_file(), path
    assert set(tilt.objects("flask-app")) == set(manifests)


def test_dockerfile_targets_named_by_skaffold_and_tilt_exist(skaffold, skaffold_dev, tilt, dockerfile):
    named = {
        skaffold["build"]["artifacts"][0]["docker"]["target"],
        skaffold_dev["build"]["artifacts"][0]["docker"]["target"],
        tilt.image("flask-app")["BuildDetails"]["target"],
    }
    assert named == {"dev", "prod"}
    assert named <= set(dockerfile.stages)


def test_skaffold_sync_matches_real_files_and_lands_in_the_workdir(skaffold_dev, dockerfile):
    (rule,) = skaffold_dev["build"]["artifacts"][0]["sync"]["manual"]
    synced = glob.glob(rule["src"], root_dir=REPO, recursive=True)
    assert "app/views.py" in synced
    assert rule["dest"] == dockerfile.workdir("dev")


def test_the_resync_companion_copies_what_skaffold_syncs_and_runs_only_in_skaffold_dev(
        skaffold, skaffold_dev, deployment):
    artifact = skaffold_dev["build"]["artifacts"][0]
    (rule,) = artifact["sync"]["manual"]
    assert rule == {"src": f"{resync.SOURCE}/**/{resync.PATTERN}", "dest": resync.DESTINATION}
    assert artifact["image"] == resync.IMAGE
    assert resync.APP_SELECTOR == f"app={deployment['spec']['template']['metadata']['labels']['app']}"
    (hook,) = skaffold_dev["deploy"]["kubectl"]["hooks"]["after"]
    assert hook["host"]["command"] == ["python3", "-m", "scripts", "resync", "start"]
    assert "after" not in skaffold["deploy"]["kubectl"]["hooks"], "`skaffold run` would start the companion"


def test_tilt_sync_lands_where_the_image_holds_the_code(tilt, dockerfile):
    (step,) = tilt.image("flask-app")["LiveUpdateSpec"]["syncs"]
    copy = [arg for kind, arg in dockerfile.stages["dev"].instructions if kind == "COPY" and "app/" in arg]
    assert copy, "the dev stage no longer copies app/"
    destination = copy[0].split()[-1]
    assert step["localPath"] == "app"
    assert step["containerPath"] == f"{dockerfile.workdir('dev')}/{destination.strip('./')}"


def test_the_pod_runs_as_the_images_user(deployment, dockerfile):
    uid = deployment["spec"]["template"]["spec"]["securityContext"]["runAsUser"]
    for target in ("dev", "prod"):
        assert dockerfile.stages[target].last("USER") == f"{uid}:{uid}", target


def test_synced_code_is_owned_by_the_pods_user(deployment, dockerfile):
    uid = deployment["spec"]["template"]["spec"]["securityContext"]["runAsUser"]
    copy = [arg for kind, arg in dockerfile.stages["dev"].instructions if kind == "COPY" and "app/" in arg]
    assert copy[0].startswith(f"--chown={uid}:{uid} ")


def test_the_same_unit_test_gate_runs_everywhere(skaffold, tilt):
    (custom,) = skaffold["test"][0]["custom"]
    assert command_words(custom["command"]) == GATE
    assert command_words(tilt.deploy("unit-tests")["UpdateCmdSpec"]["args"][-1]) == GATE


def test_a_synced_edit_reruns_the_gate_beside_the_sync_in_both_tools(skaffold, skaffold_dev, tilt):
    """Skaffold runs its test in its one dev loop, so a test that depended on the synced files
    would stand between each save and the next one's sync: the companion of the `dev` profile
    reruns the gate after each save instead (an after-sync hook would mute the pods' logs while
    it runs and re-sync up to 3 times when it fails). Tilt's unit-tests resource runs beside
    its live update."""
    assert "hooks" not in skaffold_dev["build"]["artifacts"][0]["sync"]
    synced = set(glob.glob(skaffold_dev["build"]["artifacts"][0]["sync"]["manual"][0]["src"], root_dir=REPO,
                           recursive=True))
    watched = {path for pattern in skaffold["test"][0]["custom"][0]["dependencies"]["paths"]
               for path in glob.glob(pattern, root_dir=REPO, recursive=True)}
    assert "app/views.py" in synced and not synced & watched
    assert "tests/unit/test_views.py" in watched
    assert [word for word in retest.COMMAND if not word.startswith("--")] == GATE
    assert str(REPO / "app") in tilt.deploy("unit-tests")["Deps"]


def test_the_gate_is_the_unit_layer_of_make_test():
    (gate,) = make_recipe("test-unit")
    (everything,) = make_recipe("test")
    # Only the unit tests, without plugins they do not use (hypothesis costs 0.2 s to load).
    assert re.fullmatch(r"\$\(PYTEST\) -q (-p no:\w+ )*tests/unit", gate), gate
    assert everything == "$(PYTEST)"
    assert "tests" in (REPO / "pyproject.toml").read_text()


def test_gate_dependencies_are_real_paths(skaffold, tilt):
    for pattern in skaffold["test"][0]["custom"][0]["dependencies"]["paths"]:
        assert glob.glob(pattern, root_dir=REPO, recursive=True), pattern
    for path in tilt.deploy("unit-tests")["Deps"]:
        assert Path(path).exists(), path
