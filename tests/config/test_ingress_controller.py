"""k8s/ingress-controller/: the Traefik that `make cluster` installs, checked without a cluster:
valid objects, the restricted profile, and the names and ports that must agree with
k8s/ingress.yaml, k8s/service.yaml and Traefik's own rules."""

import kubernetes_validate
import pytest
import yaml

from scripts.project import REPO
from tests.support.files import load_script
from tests.support.pod_security import violations

FOLDER = REPO / "k8s" / "ingress-controller"
PINS = load_script("versions").read()


def objects(name):
    """{(kind, name): object} of a manifest of the folder, rendered as scripts/ingress.py renders it."""
    text = load_script("ingress").rendered(FOLDER / name, PINS)
    return {(doc["kind"], doc["metadata"]["name"]): doc for doc in yaml.safe_load_all(text) if doc}


TRAEFIK = objects("traefik.yaml")
GATEWAY = objects("gateway.yaml")
DEPLOYMENT = TRAEFIK[("Deployment", "traefik")]
(CONTAINER,) = DEPLOYMENT["spec"]["template"]["spec"]["containers"]


@pytest.mark.parametrize("key", TRAEFIK, ids=lambda key: "/".join(key))
def test_each_object_is_valid_kubernetes(key):
    kubernetes_validate.validate(TRAEFIK[key], "1.35", strict=True)


def test_the_image_is_the_pinned_version_and_pinned_only_in_versions_env():
    assert CONTAINER["image"] == f"docker.io/traefik:v{PINS['TRAEFIK_VERSION']}"
    assert "${TRAEFIK_VERSION}" in (FOLDER / "traefik.yaml").read_text()
    assert PINS["TRAEFIK_VERSION"] not in (FOLDER / "traefik.yaml").read_text()


def test_the_pod_meets_the_restricted_profile_and_writes_no_image_file():
    assert violations(DEPLOYMENT["spec"]["template"]["spec"]) == []
    assert CONTAINER["securityContext"]["readOnlyRootFilesystem"] is True
    assert TRAEFIK[("Namespace", "favorite-athlete-ingress")]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_it_serves_the_class_that_the_ingress_names_as_ingress_nginx_would():
    ingress = yaml.safe_load((REPO / "k8s" / "ingress.yaml").read_text())
    ingress_class = TRAEFIK[("IngressClass", ingress["spec"]["ingressClassName"])]
    # Traefik's ingress-nginx provider serves the classes whose controller is ingress-nginx's.
    assert ingress_class["spec"]["controller"] == "k8s.io/ingress-nginx"
    assert "--providers.kubernetesIngressNGINX=true" in CONTAINER["args"]


def test_the_gateway_listens_on_the_entrypoint_the_service_reaches():
    ports = {port["name"]: port["containerPort"] for port in CONTAINER["ports"]}
    assert f"--entryPoints.web.address=:{ports['web']}/tcp" in CONTAINER["args"]
    (listener,) = GATEWAY[("Gateway", "traefik")]["spec"]["listeners"]
    # Traefik matches a listener to the entrypoint with the same port.
    assert listener["port"] == ports["web"]
    (service_port,) = TRAEFIK[("Service", "traefik")]["spec"]["ports"]
    assert (service_port["port"], service_port["targetPort"]) == (80, "web")
    assert GATEWAY[("GatewayClass", "favorite-athlete")]["spec"]["controllerName"] == "traefik.io/gateway-controller"
    assert "--providers.kubernetesGateway=true" in CONTAINER["args"]


def test_the_route_leads_to_the_apps_service_through_that_gateway():
    service = yaml.safe_load((REPO / "k8s" / "service.yaml").read_text())
    route = GATEWAY[("HTTPRoute", "flask-app")]
    assert route["spec"]["parentRefs"] == [{"name": "traefik", "namespace": "favorite-athlete-ingress"}]
    ((backend,),) = [rule["backendRefs"] for rule in route["spec"]["rules"]]
    assert backend == {"name": service["metadata"]["name"], "port": service["spec"]["ports"][0]["port"]}


def test_probes_ask_traefik_itself():
    for probe in ("readinessProbe", "livenessProbe"):
        assert CONTAINER[probe]["httpGet"] == {"path": "/ping", "port": "traefik"}
    assert "--ping=true" in CONTAINER["args"] and "--entryPoints.traefik.address=:8080/tcp" in CONTAINER["args"]
