"""End to end on minikube (`make e2e`, not part of `make test`): needs skaffold and a cluster.

Every request goes to 127.0.0.1 through `kubectl port-forward`: to the Service,
and to the ingress-nginx controller, which routes it through the Ingress.
"""

import signal
import subprocess

import pytest

from tests.support.contract import check_contract
from tests.support.edits import REPO, VIEWS, views_answering
from tests.support.http import answers, wait_until
from tests.support.kube import port_forward, run

pytestmark = pytest.mark.e2e
ATHLETE = "Serena Williams"
INGRESS_CONTROLLER = "service/ingress-nginx-controller"


@pytest.fixture
def deployed():
    """`skaffold run` (prod image, unit tests first), deleted afterwards."""
    run("skaffold", "run", "--status-check=true")
    yield
    run("skaffold", "delete")


def test_skaffold_run_serves_through_the_service_and_the_ingress(deployed):
    run("kubectl", "rollout", "status", "deployment/flask-app", "--timeout=180s")
    with port_forward("service/flask-app-service", 5000) as url:
        check_contract(url, ATHLETE)
    with port_forward(INGRESS_CONTROLLER, 80, namespace="ingress-nginx") as url:
        check_contract(url, ATHLETE)


def test_skaffold_dev_syncs_an_edit_into_the_pods():
    original = VIEWS.read_text()
    dev = subprocess.Popen(["skaffold", "dev", "--port-forward=user"], cwd=REPO,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        local = "http://127.0.0.1:5000"
        wait_until(lambda: answers(local, "/", {"athlete": ATHLETE}), 600, interval=1, what="skaffold dev deploying")
        VIEWS.write_text(views_answering("Synced By Skaffold"))
        wait_until(lambda: answers(local, "/", {"athlete": "Synced By Skaffold"}), 60, interval=0.2,
                   what="the edit syncing into the pod")
    finally:
        VIEWS.write_text(original)
        dev.send_signal(signal.SIGINT)  # skaffold dev deletes what it deployed on Ctrl-C
        dev.wait(300)
