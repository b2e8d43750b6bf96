"""scripts/curl-ingress.sh (`make curl`): which address reaches the Ingress, per OS and minikube driver.

minikube, kubectl, uname and curl are fakes on PATH that record how they were called:
no cluster and no macOS here, and nothing is sent anywhere.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from scripts.project import REPO
from tests.tools.conftest import SCRIPTS, fakes_on_path

FAKES = {
    "minikube": """#!/bin/sh
echo "minikube $*" >>"$FAKE_LOG"
case "$*" in
  *"profile list"*) echo '{"valid": [{"Name": "minikube", "Config": {"Driver": "'"$FAKE_DRIVER"'"}}]}' ;;
  *" ip") echo 192.168.49.2 ;;
esac
""",
    "uname": '#!/bin/sh\necho "$FAKE_OS"\n',
    "curl": '#!/bin/sh\necho "curl $*" >>"$FAKE_LOG"\necho \'{"athlete": "Serena Williams"}\'\n',
    # Prints what the real one prints once it listens, then forwards until killed.
    "kubectl": """#!/bin/sh
[ "$*" = "config current-context" ] && { echo "${FAKE_CONTEXT:-minikube}"; exit 0; }
echo "kubectl $*" >>"$FAKE_LOG"
case "$*" in *" get service traefik") [ -n "$FAKE_TRAEFIK" ]; exit ;; esac
[ -n "$FAKE_FORWARD_FAILS" ] && { echo 'error: services "ingress-nginx-controller" not found'; exit 1; }
echo "Forwarding from 127.0.0.1:43210 -> 80"
exec sleep 60
""",
}


@pytest.fixture
def curl_ingress(tmp_path):
    """Run the script with the fakes first on PATH; return (exit code, output, the fakes' log)."""
    fakes, log = fakes_on_path(tmp_path, FAKES)

    def run(os_name, driver="", **env):
        log.write_text("")
        path = f"{fakes}:{Path(sys.executable).parent}:/usr/bin:/bin"
        result = subprocess.run([*SCRIPTS, "curl"], capture_output=True, text=True, timeout=30, cwd=REPO,
                                env={"PATH": path, "FAKE_LOG": str(log), "FAKE_OS": os_name,
                                     "FAKE_DRIVER": driver, **env})
        return result.returncode, result.stdout + result.stderr, log.read_text()

    return run


@pytest.mark.parametrize(("os_name", "driver"), [("Linux", "docker"), ("Linux", "kvm2"), ("Darwin", "hyperkit"),
                                                 ("Darwin", "qemu2"), ("Linux", "")])
def test_where_the_node_address_answers_it_is_used(curl_ingress, os_name, driver):
    code, output, calls = curl_ingress(os_name, driver)
    assert code == 0, output
    assert "curl --fail --silent --show-error --max-time 10 http://192.168.49.2/" in calls
    assert "port-forward" not in calls
    assert '"athlete"' in output


@pytest.mark.parametrize(("os_name", "driver"), [("Darwin", "docker"), ("MINGW64_NT-10.0", "docker"),
                                                 ("Darwin", "podman")])
def test_with_docker_desktop_the_controller_is_reached_through_a_port_forward(curl_ingress, os_name, driver):
    code, output, calls = curl_ingress(os_name, driver)
    assert code == 0, output
    assert ("kubectl --context minikube --namespace ingress-nginx port-forward --address 127.0.0.1 "
            "service/ingress-nginx-controller :80") in calls
    assert "curl --fail --silent --show-error --max-time 10 http://127.0.0.1:43210/" in calls
    assert " ip" not in calls.replace("profile list", "")


def test_a_failed_port_forward_says_why_and_how_to_fix_it(curl_ingress):
    code, output, calls = curl_ingress("Darwin", "docker", FAKE_FORWARD_FAILS="1")
    assert code == 1
    assert "ingress-nginx/ingress-nginx-controller" in output and "make cluster installs one" in output
    assert "curl " not in calls


def test_ingress_url_overrides_the_discovery(curl_ingress):
    code, output, calls = curl_ingress("Darwin", "docker", INGRESS_URL="http://127.0.0.1:18080/")
    assert code == 0, output
    assert calls == "curl --fail --silent --show-error --max-time 10 http://127.0.0.1:18080/\n"


@pytest.mark.parametrize("context", ["docker-desktop", "kind-dev", "k3d-dev"])
def test_on_another_local_cluster_the_controller_is_reached_through_a_port_forward(curl_ingress, context):
    code, output, calls = curl_ingress("Linux", FAKE_CONTEXT=context)
    assert code == 0, output
    assert (f"kubectl --context {context} --namespace ingress-nginx port-forward --address 127.0.0.1 "
            "service/ingress-nginx-controller :80") in calls
    assert "curl --fail --silent --show-error --max-time 10 http://127.0.0.1:43210/" in calls
    # No node address asked for: the port-forward works on every OS and driver.
    assert not [line for line in calls.splitlines() if line.startswith("minikube")]


def test_without_a_controller_on_another_cluster_it_says_to_set_ingress_url(curl_ingress):
    code, output, calls = curl_ingress("Linux", FAKE_CONTEXT="docker-desktop", FAKE_FORWARD_FAILS="1")
    assert code == 1
    assert "docker-desktop runs no controller for the Ingress class nginx: make cluster installs one" in output
    assert "set INGRESS_URL" in output
    assert "addons enable ingress" not in output and "curl " not in calls


@pytest.mark.parametrize(("os_name", "driver", "context"), [("Linux", "kvm2", "minikube"), ("Darwin", "docker", "minikube"),
                                                            ("Linux", "", "kind-dev")])
def test_traefik_from_make_cluster_is_reached_through_a_port_forward_everywhere(curl_ingress, os_name, driver,
                                                                                 context):
    code, output, calls = curl_ingress(os_name, driver, FAKE_TRAEFIK="1", FAKE_CONTEXT=context)
    assert code == 0, output
    assert (f"kubectl --context {context} --namespace favorite-athlete-ingress port-forward --address 127.0.0.1 "
            "service/traefik :80") in calls
    assert "curl --fail --silent --show-error --max-time 10 http://127.0.0.1:43210/" in calls
    # No node address asked for: the port-forward works on every OS and driver.
    assert not [line for line in calls.splitlines() if line.startswith("minikube")]
