"""skaffold.yaml, as Skaffold itself reads it in every profile, and what it does."""

import os

import pytest

from harness.files import command_words
from scripts.project import MANIFESTS, REPO
from tests.support.files import skaffold_profile
from tests.support.real_tools import run_tool, skaffold_config, skaffold_rendered


@pytest.mark.parametrize("profiles", [(), ("dev",), ("dev", "debug"), ("remote",), ("dev", "debug", "remote"),
                                      ("dev", "local-base-image")])
def test_skaffold_reads_it_in_every_profile(profiles):
    assert skaffold_config(*profiles)["apiVersion"] == "skaffold/v4beta14"


def test_skaffold_refuses_an_unknown_field(tmp_path):
    broken = tmp_path / "skaffold.yaml"
    broken.write_text((REPO / "skaffold.yaml").read_text().replace("target: prod", "targt: prod"))
    code, _, err = run_tool("skaffold", "diagnose", "--yaml-only", "--filename", str(broken), check=False)
    assert code != 0 and "field targt not found" in err


def test_a_reordered_manifest_list_fails_the_profiles_that_leave_one_out(tmp_path):
    """The debug and remote profiles remove a manifest by its position: reordered, the list
    fails them rather than losing another manifest."""
    text = (REPO / "skaffold.yaml").read_text()
    listed = "".join(f"    - {path}\n" for path in MANIFESTS)
    assert listed in text
    reordered = tmp_path / "skaffold.yaml"
    reordered.write_text(text.replace(listed, "".join(f"    - {path}\n" for path in reversed(MANIFESTS))))
    for profile in ("debug", "remote"):
        code, _, err = run_tool("skaffold", "diagnose", "-p", profile, "--yaml-only", "--filename", str(reordered),
                                check=False)
        assert code != 0 and f'applying profile "{profile}": invalid path' in err, profile


def test_it_is_the_current_schema_with_nothing_to_upgrade():
    _, out, err = run_tool("skaffold", "fix")
    assert "config is already version skaffold/v4beta14" in out + err


def test_render_gives_the_four_manifests_with_the_bare_image():
    rendered = skaffold_rendered()
    assert set(rendered) == {"Deployment", "Service", "Ingress", "PodDisruptionBudget"}
    (container,) = rendered["Deployment"]["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "flask-app"


def test_builds_locally_without_pushing_or_buildx(skaffold):
    assert skaffold["build"]["local"]["push"] is False
    # useBuildkit makes Skaffold run `docker build --load`, which needs buildx; left unset, a
    # Docker whose default is BuildKit would use it.
    assert skaffold["build"]["local"]["useBuildkit"] is False
    # Through the CLI: Skaffold's API path asks gcloud for six tokens before every build.
    assert skaffold["build"]["local"]["useDockerCLI"] is True
    (artifact,) = skaffold["build"]["artifacts"]
    assert artifact["image"] == "flask-app"
    assert artifact["docker"]["target"] == "prod"
    assert "sync" not in artifact


def test_skaffold_dev_turns_on_the_dev_target_and_sync(skaffold_yaml, skaffold_dev):
    assert skaffold_profile(skaffold_yaml, "dev")["activation"] == [{"command": "dev"}, {"command": "debug"}]
    (artifact,) = skaffold_dev["build"]["artifacts"]
    assert artifact["docker"]["target"] == "dev"
    assert artifact["sync"]["manual"] == [{"src": "app/**/*.py", "dest": "/app"}]


def test_skaffold_debug_is_the_dev_loop_on_the_debug_image_without_the_budget(skaffold_yaml, skaffold_dev):
    """`skaffold debug` turns on both profiles: the dev loop (sync, the resync companion)
    on the image whose command runs debugpy; one replica cannot keep two available."""
    assert skaffold_profile(skaffold_yaml, "debug")["activation"] == [{"command": "debug"}]
    debug = skaffold_config("dev", "debug")
    (artifact,) = debug["build"]["artifacts"]
    assert artifact["docker"]["target"] == "debug"
    assert artifact["sync"] == skaffold_dev["build"]["artifacts"][0]["sync"]
    assert debug["deploy"]["kubectl"]["hooks"] == skaffold_dev["deploy"]["kubectl"]["hooks"]
    kept = [os.path.relpath(path, REPO) for path in debug["manifests"]["rawYaml"]]
    assert kept == [path for path in MANIFESTS if path != "k8s/pdb.yaml"]


def test_a_local_base_image_is_passed_to_the_build_when_set(skaffold):
    """Skaffold fills the template in when it builds (the e2e layer builds on CI's local base)."""
    assert "buildArgs" not in skaffold["build"]["artifacts"][0]["docker"]
    (artifact,) = skaffold_config(env={"BASE_IMAGE": "my/python:3.12"})["build"]["artifacts"]
    assert artifact["docker"]["buildArgs"] == {"BASE_IMAGE": "{{.BASE_IMAGE}}"}


def test_remote_profile_pushes_under_a_tag_of_its_inputs():
    """A new tag for each change of what goes into the image, never latest (a team loop, `skaffold run -p remote`)."""
    remote = skaffold_config("remote")
    assert remote["build"]["local"]["push"] is True
    assert remote["build"]["tagPolicy"] == {"inputDigest": {}}


@pytest.mark.parametrize(("profiles", "left_out"), [
    (("remote",), {"k8s/ingress.yaml"}),
    (("dev", "remote"), {"k8s/ingress.yaml"}),
    # `skaffold debug -p remote`: named profiles come after the ones a command activates.
    (("dev", "debug", "remote"), {"k8s/ingress.yaml", "k8s/pdb.yaml"}),
])
def test_on_a_shared_cluster_no_ingress_claims_every_host_and_nothing_waits_for_a_controller(profiles, left_out):
    config = skaffold_config(*profiles)
    kept = [os.path.relpath(path, REPO) for path in config["manifests"]["rawYaml"]]
    assert kept == [path for path in MANIFESTS if path not in left_out]
    hooks = config["deploy"]["kubectl"].get("hooks") or {}
    assert "before" not in hooks
    # The dev loop keeps the resync companion, which heals replaced pods there too.
    if "dev" in profiles:
        assert hooks["after"] == skaffold_config("dev")["deploy"]["kubectl"]["hooks"]["after"]


def test_deploys_the_raw_manifests_with_kubectl_in_a_named_namespace(skaffold):
    assert [os.path.relpath(path, REPO) for path in skaffold["manifests"]["rawYaml"]] == list(MANIFESTS)
    assert skaffold["deploy"]["kubectl"]["defaultNamespace"] == "default"


def test_waits_for_the_ingress_controller_before_deploying(skaffold):
    (hook,) = skaffold["deploy"]["kubectl"]["hooks"]["before"]
    assert command_words(hook["host"]["command"]) == ["sh", "scripts/wait-for-ingress.sh"]


def test_port_forwards_the_service(skaffold):
    assert skaffold["portForward"] == [
        {"resourceType": "service", "resourceName": "flask-app-service", "port": 5000, "address": "127.0.0.1",
         "localPort": 5000}
    ]

