"""k8s/: each manifest valid for every supported Kubernetes version, and what it must say."""

import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import all_versions

from scripts.project import MANIFESTS, REPO

OLDEST_SUPPORTED = (1, 30)
VERSIONS = sorted(
    {v for v in all_versions() if tuple(map(int, v.split(".")[:2])) >= OLDEST_SUPPORTED},
    key=lambda v: tuple(map(int, v.split("."))),
)


def test_every_minor_version_from_1_30_is_checked():
    assert VERSIONS[0].startswith("1.30.")
    assert len(VERSIONS) >= 8, VERSIONS


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("path", MANIFESTS)
def test_manifest_is_valid_and_has_no_unknown_fields(path, version):
    resource = yaml.safe_load((REPO / path).read_text())
    kubernetes_validate.validate(resource, version, strict=True)


def test_strict_validation_rejects_an_unknown_field(deployment):
    broken = {**deployment, "spec": {**deployment["spec"], "replica": 3}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, VERSIONS[-1], strict=True)


def test_each_manifest_opens_with_a_comment_saying_what_it_defines():
    for path in MANIFESTS:
        assert (REPO / path).read_text().startswith("# "), path


def test_deployment_runs_three_replicas_with_limits(deployment, container):
    assert deployment["metadata"]["name"] == "flask-app"
    assert deployment["spec"]["replicas"] == 3
    resources = container["resources"]
    for kind in ("cpu", "memory"):
        assert resources["requests"][kind] and resources["limits"][kind], kind
    assert {"name": "http", "containerPort": 5000} == container["ports"][0]


def test_deployment_names_the_athlete_in_env(container):
    env = {item["name"]: item.get("value") for item in container["env"]}
    assert env["FAVORITE_ATHLETE"].strip()


def test_image_works_with_an_image_built_into_minikube(container):
    assert container["image"] == "flask-app"
    assert container["imagePullPolicy"] in ("IfNotPresent", "Never")


def test_probes_use_http_get_on_the_named_port(container):
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}


def test_service_is_cluster_ip_with_a_named_port(manifests):
    service = manifests["Service"]
    assert service["metadata"]["name"] == "flask-app-service"
    assert service["spec"]["type"] == "ClusterIP"
    assert service["spec"]["ports"] == [{"name": "http", "port": 5000, "targetPort": "http", "protocol": "TCP"}]


def test_ingress_routes_every_host_to_the_service(manifests):
    ingress = manifests["Ingress"]
    assert ingress["spec"]["ingressClassName"] == "nginx"
    (rule,) = ingress["spec"]["rules"]
    assert "host" not in rule, "a host rule would stop http://$(minikube ip)/ from matching"
    (path,) = rule["http"]["paths"]
    assert (path["path"], path["pathType"]) == ("/", "Prefix")


def test_disruption_budget_keeps_two_of_three_through_a_drain(manifests, deployment):
    budget = manifests["PodDisruptionBudget"]["spec"]
    assert budget["minAvailable"] == 2
    # A budget that asks for every replica would block drains for ever.
    assert budget["minAvailable"] < deployment["spec"]["replicas"]
