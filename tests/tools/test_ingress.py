"""scripts/ingress.py (`make cluster` after it chose the cluster): a controller for the Ingress
class nginx, and the Gateway API route, only where none serves the class.

kubectl is a fake on PATH that answers as each kind of cluster would and records its calls;
the Gateway API release is served by a fixture on 127.0.0.1 (TOOLS_MIRROR). The e2e layer
installs it into CI's cluster for real (tests/e2e/test_make_cluster.py).
"""

import hashlib
import subprocess

import pytest

from scripts.project import REPO
from tests.tools.conftest import SCRIPTS, fakes_on_path

CRDS = b"# the Gateway API's standard CRDs, as a fixture\n"
VERSION = "9.9.9"
RELEASE = f"/kubernetes-sigs/gateway-api/releases/download/v{VERSION}/standard-install.yaml"
FAKES = {
    "kubectl": """#!/bin/sh
echo "kubectl $*" >>"$FAKE_LOG"
case "$*" in
  "get ingressclass nginx"*) [ -n "$FAKE_CLASS" ] && echo "$FAKE_CLASS" ;;
  "get crd/httproutes"*) [ -n "$FAKE_CRDS" ] &&
    echo '{"metadata": {"annotations": {"gateway.networking.k8s.io/bundle-version": "'"$FAKE_CRDS"'"}}}' ;;
  "apply --filename -") cat >>"$FAKE_APPLIED" ;;
esac
exit 0
""",
}


@pytest.fixture
def ingress(tmp_path, releases):
    """Run scripts/ingress.py up against the fakes; return (exit code, output, kubectl's calls, what was applied)."""
    served, url = releases
    served.add(f"https://github.com{RELEASE}", CRDS)
    fakes, log = fakes_on_path(tmp_path, FAKES)
    applied = tmp_path / "applied.yaml"

    def run(ingress_class="", crds="", checksum=hashlib.sha256(CRDS).hexdigest()):
        log.write_text("")
        applied.write_text("")
        env = {"PATH": f"{fakes}:/usr/bin:/bin", "HOME": str(tmp_path), "FAKE_LOG": str(log),
               "FAKE_CLASS": ingress_class, "FAKE_CRDS": crds, "FAKE_APPLIED": str(applied),
               "TOOLS_MIRROR": url, "GATEWAY_API_VERSION": VERSION, "GATEWAY_API_SHA256": checksum,
               "TRAEFIK_VERSION": "3.9.1"}
        result = subprocess.run([*SCRIPTS, "ingress", "up"], capture_output=True, text=True, timeout=60,
                                cwd=REPO, env=env)
        return result.returncode, result.stdout + result.stderr, log.read_text(), applied.read_text()

    return run


def test_a_cluster_with_no_controller_gets_the_gateway_api_and_traefik(ingress, releases):
    code, output, calls, applied = ingress()
    assert code == 0, output
    assert releases[0].requests == [RELEASE]
    assert "kubectl apply --server-side --filename " in calls
    assert calls.index("--server-side") < calls.index("apply --filename -")
    # The pinned version, filled in; the class k8s/ingress.yaml names; the route to its Service.
    assert "image: docker.io/traefik:v3.9.1" in applied and "${" not in applied
    assert "kind: IngressClass" in applied and "kind: HTTPRoute" in applied
    assert "kubectl --namespace favorite-athlete-ingress rollout status deployment/traefik --timeout 180s" in calls
    assert "ingress: Traefik v3.9.1 serves the Ingress class nginx" in output


def test_a_download_that_does_not_match_the_pin_is_never_applied(ingress):
    code, output, calls, applied = ingress(checksum="0" * 64)
    assert code == 1
    assert f"not the {'0' * 64} that versions.env pins: not applied" in output
    assert "apply" not in calls and applied == ""


def test_a_class_served_by_another_controller_gets_nothing(ingress, releases):
    code, output, calls, applied = ingress(ingress_class="k8s.io/ingress-nginx ")
    assert code == 0, output
    assert "served by k8s.io/ingress-nginx already" in output and "nothing installed" in output
    assert "apply" not in calls and releases[0].requests == []


def test_ours_is_applied_again_and_the_gateway_api_kept(ingress, releases):
    code, output, calls, applied = ingress(ingress_class="k8s.io/ingress-nginx favorite-athlete", crds=f"v{VERSION}")
    assert code == 0, output
    assert releases[0].requests == [] and "--server-side" not in calls
    assert "image: docker.io/traefik:v3.9.1" in applied and "kind: HTTPRoute" in applied


def test_older_gateway_api_crds_are_kept_and_get_no_route(ingress, releases):
    code, output, calls, applied = ingress(crds="v1.2.1")
    assert code == 0, output
    assert "Gateway API CRDs are v1.2.1, older than the v9.9.9 Traefik needs" in output
    assert releases[0].requests == [] and "--server-side" not in calls
    assert "kind: Deployment" in applied and "kind: HTTPRoute" not in applied
