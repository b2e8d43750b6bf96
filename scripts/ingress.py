"""Give the loop's cluster a controller for the Ingress (class nginx) and the Gateway API
route, unless it has one: `make cluster` runs this after it has chosen the cluster.

Usage (python3 -m scripts ingress ...):
  ingress up         install or update Traefik (k8s/ingress-controller/) where it is missing

How it tells what the cluster has: the IngressClass `nginx` is what k8s/ingress.yaml names.
When it exists and is not ours (the project's objects carry the label
app.kubernetes.io/part-of=favorite-athlete), something else serves the class already (an
ingress-nginx, minikube's ingress addon): nothing is installed. Otherwise Traefik is
applied, which is also how a pinned version bump reaches a cluster that has ours. k3d's
Traefik serves class traefik, not nginx: ours runs beside it for class nginx only. The
Gateway API's standard CRDs are applied first where they are missing (downloaded at the
pinned version, checked against the SHA-256 in versions.env).
"""

import json
import sys
import tempfile
from pathlib import Path

from . import tools, versions
from .kube import kubectl
from .project import INGRESS_NAMESPACE, REPO

MANIFESTS = REPO / "k8s" / "ingress-controller"
# The value of app.kubernetes.io/part-of on the project's objects.
PART_OF = "favorite-athlete"
CRDS_URL = "https://github.com/kubernetes-sigs/gateway-api/releases/download/v{version}/standard-install.yaml"
# The one CRD the route needs; the Gateway provider waits for all six of the standard set.
HTTPROUTES = "crd/httproutes.gateway.networking.k8s.io"
BUNDLE_VERSION = "gateway.networking.k8s.io/bundle-version"
ROLLOUT_TIMEOUT = "180s"
KUBECTL_TIMEOUT = 300
# The pins this reads (scripts/versions.py).
PINNED = ("TRAEFIK_VERSION", "GATEWAY_API_VERSION", "GATEWAY_API_SHA256")


class IngressError(Exception):
    """A step failed; the message says which and what to do."""


def say(line):
    print(f"ingress: {line}", flush=True)


def kubectl_or_fail(*args, stdin=None):
    """kubectl's stdout; IngressError with what went wrong when it fails: each step needs the one before."""
    code, out, err = kubectl(*args, stdin=stdin, timeout=KUBECTL_TIMEOUT)
    if code != 0:
        raise IngressError(f"kubectl {' '.join(args)} failed: {err}")
    return out


def class_owner():
    """Who has the IngressClass nginx: None (nobody), "ours", or its controller's name."""
    found = kubectl_or_fail("get", "ingressclass", "nginx", "--ignore-not-found", "--output",
                    "jsonpath={.spec.controller} {.metadata.labels.app\\.kubernetes\\.io/part-of}")
    if not found.strip():
        return None
    controller, _, part_of = found.strip().partition(" ")
    return "ours" if part_of == PART_OF else controller


def rendered(path, pins):
    """A manifest of ours with the pinned versions filled in."""
    text = path.read_text()
    for name, value in pins.items():
        text = text.replace(f"${{{name}}}", value)
    return text


def download_crds(pins, folder):
    """The Gateway API's standard-install.yaml at the pinned version, checksum verified."""
    url = tools.mirrored(CRDS_URL.format(version=pins["GATEWAY_API_VERSION"]))
    path = folder / "standard-install.yaml"
    try:
        with open(path, "wb") as file:
            digest = tools.fetch(url, file, f"Gateway API v{pins['GATEWAY_API_VERSION']} CRDs")
    except (OSError, tools.ToolError) as error:
        raise IngressError(f"could not download {url}: {error}") from None
    if digest != pins["GATEWAY_API_SHA256"]:
        raise IngressError(f"{url} has SHA-256 {digest}, not the {pins['GATEWAY_API_SHA256']} that versions.env "
                           "pins: not applied")
    return path


def ensure_gateway_api(pins):
    """Apply the Gateway API's standard CRDs where they are missing; return whether the
    cluster's are recent enough for Traefik's Gateway provider (older ones are kept)."""
    found = kubectl_or_fail("get", HTTPROUTES, "--ignore-not-found", "--output", "json").strip()
    if found:
        installed = json.loads(found)["metadata"].get("annotations", {}).get(BUNDLE_VERSION, "")
        found = tools.parse_version(installed)
        if found and found >= tools.parse_version(pins["GATEWAY_API_VERSION"]):
            return True
        say(f"the cluster's Gateway API CRDs are {installed or 'of an unknown version'}, older than the "
            f"v{pins['GATEWAY_API_VERSION']} Traefik needs: kept, and the Gateway route is not set up")
        return False
    with tempfile.TemporaryDirectory() as scratch:
        crds = download_crds(pins, Path(scratch))
        # Server-side: the HTTPRoute CRD is larger than the annotation a client-side apply keeps.
        kubectl_or_fail("apply", "--server-side", "--filename", str(crds))
    kubectl_or_fail("wait", "--for", "condition=Established", "--timeout", "60s", HTTPROUTES)
    say(f"applied the Gateway API v{pins['GATEWAY_API_VERSION']} standard CRDs")
    return True


def up():
    """Install or update Traefik and the Gateway route unless another controller serves class nginx."""
    owner = class_owner()
    if owner not in (None, "ours"):
        say(f"the IngressClass nginx is served by {owner} already (an ingress-nginx?): nothing installed. "
            "Its Ingress works as before; the Gateway API route is Traefik's and is not set up there.")
        return 0
    pins = {name: versions.pin(name) for name in PINNED}
    gateway = ensure_gateway_api(pins)
    kubectl_or_fail("apply", "--filename", "-", stdin=rendered(MANIFESTS / "traefik.yaml", pins))
    if gateway:
        kubectl_or_fail("apply", "--filename", "-", stdin=rendered(MANIFESTS / "gateway.yaml", pins))
    say(f"waiting up to {ROLLOUT_TIMEOUT} for Traefik v{pins['TRAEFIK_VERSION']} (namespace {INGRESS_NAMESPACE})")
    kubectl_or_fail("--namespace", INGRESS_NAMESPACE, "rollout", "status", "deployment/traefik",
                    "--timeout", ROLLOUT_TIMEOUT)
    say(f"Traefik v{pins['TRAEFIK_VERSION']} serves the Ingress class nginx and the Gateway traefik "
        "(`make curl` reaches it)")
    return 0


def main(argv):
    if argv != ["up"]:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        return up()
    except IngressError as error:
        print(f"ingress: {error}", file=sys.stderr)
        return 1
