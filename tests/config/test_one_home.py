"""Each file that a tool reads itself holds its own copy of a name or number of scripts.project:
each copy, found where the tool finds it, agrees with that one home."""

import json
import re

import pytest
import yaml

import devserver
from scripts.project import (APP, APP_PORT, CI_REGISTRY, DEBUG_PORT, IMAGE, INGRESS_NAMESPACE, MANIFESTS, REPO,
                             SERVICE)
from tests.support.files import prod_default, skaffold_profile
from tests.support.real_tools import TiltResult, tiltfile_result


def make_default(variable):
    """The default the Makefile gives variable (`NAME ?= value`)."""
    (value,) = re.findall(rf"^{variable} \?= *(.*)$", (REPO / "Makefile").read_text(), re.M)
    return value


def ingress_backend(manifests):
    """The Ingress's only backend: the Service and its port."""
    (rule,) = manifests["Ingress"]["spec"]["rules"]
    (path,) = rule["http"]["paths"]
    return path["backend"]["service"]


def values_of(key, node):
    """Every value of key in a document, at any depth."""
    if isinstance(node, dict):
        return [value for k, child in node.items() for value in ([child] if k == key else []) + values_of(key, child)]
    if isinstance(node, list):
        return [value for child in node for value in values_of(key, child)]
    return []


def test_the_apps_name_labels_and_image(manifests, container, skaffold, tilt):
    selector = {"app": APP}
    for resource in manifests.values():
        assert resource["metadata"]["labels"] == selector, resource["kind"]
    deployment = manifests["Deployment"]
    assert deployment["spec"]["selector"]["matchLabels"] == deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["template"]["metadata"]["labels"] == selector
    assert manifests["Service"]["spec"]["selector"] == selector
    assert manifests["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"] == selector
    for kind in ("Deployment", "Ingress", "PodDisruptionBudget"):
        assert manifests[kind]["metadata"]["name"] == APP, kind
    assert (container["name"], container["image"]) == (APP, IMAGE)
    assert skaffold["build"]["artifacts"][0]["image"] == IMAGE
    assert [test["image"] for test in skaffold["test"]] == [IMAGE]
    # Tilt names the resource after the Deployment, and finds the image by the name it builds.
    assert tilt.image(APP)["selector"] == IMAGE


def test_the_services_name(manifests, skaffold):
    assert manifests["Service"]["metadata"]["name"] == SERVICE
    assert ingress_backend(manifests)["name"] == SERVICE
    assert skaffold["portForward"][0]["resourceName"] == SERVICE


def test_the_apps_port(manifests, container, skaffold, tilt, dockerfile, monkeypatch):
    (http,) = [port for port in container["ports"] if port["name"] == "http"]
    assert http["containerPort"] == APP_PORT
    env = {item["name"]: item.get("value") for item in container["env"]}
    assert env["PORT"] == str(APP_PORT)
    (service_port,) = manifests["Service"]["spec"]["ports"]
    assert (service_port["port"], service_port["targetPort"]) == (APP_PORT, "http")
    assert ingress_backend(manifests)["port"]["number"] == APP_PORT
    (forward,) = skaffold["portForward"]
    assert (forward["port"], forward["localPort"]) == (APP_PORT, APP_PORT)
    (forward,) = tilt.deploy(APP)["portForwardTemplateSpec"]["forwards"]
    assert (forward["containerPort"], forward["localPort"]) == (APP_PORT, APP_PORT)
    for target in ("dev", "prod"):
        assert dockerfile.stages[target].last("EXPOSE") == str(APP_PORT), target
    monkeypatch.delenv("PORT", raising=False)
    assert devserver.address()[1] == APP_PORT
    assert prod_default("PORT") == APP_PORT
    assert make_default("PORT") == str(APP_PORT)


def test_the_debuggers_port(dockerfile):
    command = json.loads(dockerfile.stages["debug"].last("CMD"))
    assert command[command.index("--listen") + 1] == f"127.0.0.1:{DEBUG_PORT}"
    code, result, err = tiltfile_result(args=["--debug"])
    assert code == 0, err
    (_, forward) = TiltResult(result).deploy(APP)["portForwardTemplateSpec"]["forwards"]
    assert (forward["containerPort"], forward["localPort"]) == (DEBUG_PORT, DEBUG_PORT)
    assert make_default("DEBUG_PORT") == str(DEBUG_PORT)


def test_the_image_name_make_builds():
    assert make_default("IMAGE") == IMAGE


@pytest.mark.parametrize("name", ["traefik.yaml", "gateway.yaml"])
def test_the_ingress_controllers_namespace(name):
    documents = [doc for doc in yaml.safe_load_all((REPO / "k8s" / "ingress-controller" / name).read_text()) if doc]
    named = {doc["metadata"]["name"] for doc in documents if doc["kind"] == "Namespace"}
    # Every namespace an object is in or refers to, but for the one where the app's Service is.
    referred = set(values_of("namespace", documents)) - {"default"}
    assert named | referred == {INGRESS_NAMESPACE}


def test_the_ingress_controllers_namespace_in_shell_scripts():
    """What kubectl is told in the user's and CI's shell scripts: a literal namespace is the
    controller's, or the ingress-nginx that wait-for-ingress also waits for."""
    found = {}
    for script in [*REPO.glob("scripts/**/*.sh"), *REPO.glob("hack/**/*.sh")]:
        for namespace in re.findall(r"--namespace[ =]([a-z][a-z0-9-]*)", script.read_text()):
            found.setdefault(namespace, []).append(script.relative_to(REPO).as_posix())
    assert set(found) <= {INGRESS_NAMESPACE, "ingress-nginx", "default"}, found
    assert INGRESS_NAMESPACE in found


def test_the_ci_registry():
    (registry,) = re.findall(r"^registry=(\S+)$", (REPO / "hack" / "cluster" / "up.sh").read_text(), re.M)
    assert registry == CI_REGISTRY


def test_the_manifests_skaffold_and_tilt_deploy(skaffold_yaml, manifests, tilt):
    assert skaffold_yaml["manifests"]["rawYaml"] == list(MANIFESTS)
    # The Tiltfile reads the list from skaffold.yaml: its resource applies every one of them.
    assert set(tilt.objects(APP)) == set(manifests)
    assert len(manifests) == len(MANIFESTS)


@pytest.mark.parametrize("profile", ["debug", "remote"])
def test_a_profile_removes_a_manifest_only_after_testing_that_it_is_the_one_named(skaffold_yaml, profile):
    """A JSON patch removes a list item by its position: the test before it makes Skaffold
    refuse the profile when another manifest is at that position."""
    patches = skaffold_profile(skaffold_yaml, profile)["patches"]
    removals = [i for i, patch in enumerate(patches)
                if patch["op"] == "remove" and patch["path"].startswith("/manifests/rawYaml/")]
    assert removals, profile
    for i in removals:
        position = int(patches[i]["path"].rsplit("/", 1)[1])
        assert patches[i - 1] == {"op": "test", "path": patches[i]["path"], "value": MANIFESTS[position]}
