"""`make run`, `make curl` and `make down`, as the README has a user type them: the prod image,
gated by the unit tests, three ready replicas, the contract through the Service and through
the Ingress; `make down` removes it all."""

import json
import re

import pytest

from app import DEFAULT_ATHLETE
from harness.http import request, wait_until
from harness.kube import app_pods, kubectl, leftovers, port_forward, wait_for_ready_pods
from harness.loop import run
from scripts.project import APP_PORT, SERVICE
from tests.support.contract import check_contract
from tests.support.kube import forward_to_ingress_controller
from tests.support.timeouts import DEPLOY_TIMEOUT

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def deployed(workspace, tool_env):
    """What `make run` printed, once it returned; whatever is left is deleted afterwards."""
    output = run("make", "run", cwd=workspace, env=tool_env, timeout=DEPLOY_TIMEOUT)
    yield output
    if leftovers():
        run("skaffold", "delete", cwd=workspace, env=tool_env)


def test_it_runs_skaffold_run_on_the_current_local_cluster(deployed, cluster):
    assert re.search(rf"^cluster: using (the current context, {re.escape(cluster)} |minikube)", deployed, re.M), deployed
    assert re.search(r" -m scripts run skaffold run$", deployed, re.M), deployed


def test_the_unit_tests_run_before_the_deploy(deployed):
    tested = re.search(r"^\d+ passed", deployed, re.M)
    assert tested, f"no unit test summary in skaffold's output:\n{deployed}"
    assert tested.start() < deployed.index("Starting deploy..."), "the tests ran after the deploy"


def test_three_replicas_of_the_prod_image_become_ready(deployed):
    pods = wait_for_ready_pods(3, 120)
    assert len({pod["image"] for pod in pods}) == 1
    with port_forward(f"pod/{pods[0]['name']}", APP_PORT) as url:
        assert request(url, "GET", "/").headers["server"] == "granian"


def test_the_contract_holds_through_the_service(deployed):
    with port_forward(f"service/{SERVICE}", APP_PORT) as url:
        check_contract(url, DEFAULT_ATHLETE)


def test_the_contract_holds_through_the_ingress(deployed, ingress_url):
    check_contract(ingress_url, DEFAULT_ATHLETE)


def test_the_gateway_api_route_serves_the_same_service(deployed):
    """The HTTPRoute that `make cluster` applies, served by the same Traefik on the same port."""
    route = json.loads(kubectl("get", "httproute", "flask-app", "--output", "json"))
    (parent,) = route["status"]["parents"]
    assert parent["controllerName"] == "traefik.io/gateway-controller"
    conditions = {condition["type"]: condition["status"] for condition in parent["conditions"]}
    assert conditions["Accepted"] == conditions["ResolvedRefs"] == "True", parent
    with forward_to_ingress_controller() as url:
        reply = request(url, "GET", "/", headers={"Host": route["spec"]["hostnames"][0]})
    assert (reply.status, reply.json()) == (200, {"athlete": DEFAULT_ATHLETE})


def test_make_curl_gets_the_answer_through_the_ingress(deployed, workspace, tool_env):
    output = run("make", "curl", cwd=workspace, env=tool_env, timeout=60)
    assert re.search(r"^GET http://\S+/$", output, re.M), output
    assert json.loads(output.strip().splitlines()[-1]) == {"athlete": DEFAULT_ATHLETE}


def test_make_down_removes_everything(deployed, workspace, tool_env):
    assert app_pods()
    run("make", "down", cwd=workspace, env=tool_env)
    wait_until(lambda: leftovers() == [], 120, interval=1, what="everything make run deployed being gone")
