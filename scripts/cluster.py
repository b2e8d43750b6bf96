"""Which Kubernetes cluster the loop's Make targets use, and getting it ready.

Usage (python3 -m scripts cluster ...):
  cluster doctor     say which cluster the loop would use and why, then check the tools it
                     needs (scripts/tools.py doctor); changes nothing
  cluster up         get that cluster ready, in this one process: docker and kubectl made sure
                     of (scripts/tools.py), then the current context's cluster, or minikube
                     fetched and started (scripts/minikube.py), with an Ingress controller
                     (scripts/ingress.py) where it has none
  cluster check      for `make down`: fail where the current context is not one the loop uses,
                     whatever CLUSTER says (the context is what skaffold delete acts on)
  cluster namespace  print the namespace a team loop deploys into (scripts/namespace.py)

The current kube context is used as it is when both Skaffold and Tilt take it as a local
cluster and build into it without a registry, and its API server answers. Otherwise the
loop starts minikube (scripts/minikube.py), as it always did; CLUSTER=minikube forces that.
A remote context is used only for a team loop, which REGISTRY asks for: the image goes
through that registry, and everything deploys into the developer's own namespace, on the
context KUBE_CONTEXT (the Makefile sets it to the current one) (docs/how-to/team.md).
"""

import json
import os
import sys
from dataclasses import dataclass

from . import ingress, minikube, tools
from . import namespace as namespaces
from .kube import kubectl

# Skaffold 2.24 builds into these contexts without pushing (pkg/skaffold/config/util.go):
# by context name, exact or by prefix or suffix.
SKAFFOLD_LOCAL_NAMES = ("minikube", "docker-desktop", "docker-for-desktop")
SKAFFOLD_LOCAL_PREFIXES = ("kind-", "k3d-")
SKAFFOLD_LOCAL_SUFFIXES = ("@kind",)
# Tilt 0.37 deploys to these without allow_k8s_contexts (tilt-dev/clusterid): by the
# kubeconfig's cluster name, by prefix or exact.
TILT_LOCAL_PREFIXES = ("minikube", "docker-for-desktop-cluster", "docker-desktop", "kind-", "microk8s",
                       "api-crc-testing", "krucible-", "k3d-", "rancher-desktop", "colima")
TILT_LOCAL_NAMES = ("kind", "orbstack")


@dataclass(frozen=True)
class Context:
    """The current kube context, as the kubeconfig names it."""

    name: str
    cluster: str
    server: str


@dataclass(frozen=True)
class Choice:
    """What the loop will do: use the current context, start minikube, or stop."""

    action: str  # "current", "minikube", "team" or "stop"
    reason: str
    context: str = ""
    namespace: str = ""


def current_context():
    """The context the loop would use (a team loop's KUBE_CONTEXT, else the current one) with its
    cluster's name and server; None when there is none."""
    code, name, _ = (0, os.environ.get("KUBE_CONTEXT", ""), "") if os.environ.get("REGISTRY") else \
        kubectl("config", "current-context")
    if code != 0 or not name:
        return None
    code, view, _ = kubectl("config", "view", "--minify", "--output", "json")
    try:
        cluster = json.loads(view)["clusters"][0]
    except (ValueError, KeyError, IndexError, TypeError):
        return Context(name, "", "")
    return Context(name, cluster.get("name", ""), cluster.get("cluster", {}).get("server", ""))


def skaffold_takes_as_local(context):
    """Whether Skaffold builds for this context without pushing, by its name."""
    name = context.name
    return (name in SKAFFOLD_LOCAL_NAMES or name.startswith(SKAFFOLD_LOCAL_PREFIXES)
            or name.endswith(SKAFFOLD_LOCAL_SUFFIXES))


def tilt_takes_as_local(context):
    """Whether Tilt deploys to this context's cluster without allow_k8s_contexts."""
    return context.cluster in TILT_LOCAL_NAMES or context.cluster.startswith(TILT_LOCAL_PREFIXES)


def answers():
    """Whether the current context's API server says it is ready."""
    return kubectl("get", "--raw", "/readyz", "--request-timeout=5s", timeout=30)[0] == 0


def node_runtimes():
    """The container runtime of each node, by name (docker, containerd, cri-o); [] when unknown."""
    code, runtimes, _ = kubectl("get", "nodes", "--output",
                             "jsonpath={range .items[*]}{.status.nodeInfo.containerRuntimeVersion}{'\\n'}{end}")
    return [runtime.partition("://")[0] for runtime in runtimes.split()] if code == 0 else []


def nodes_run_docker():
    """Whether every node runs its containers on Docker: then an image that Skaffold built
    into the same engine is already where the pods run."""
    runtimes = node_runtimes()
    return bool(runtimes) and all(runtime == "docker" for runtime in runtimes)


def choose_team(environment):
    """A team loop (REGISTRY is set): the context as it is, through the registry, in the
    developer's own namespace."""
    registry = environment["REGISTRY"]
    if environment.get("CLUSTER"):
        return Choice("stop", f"CLUSTER={environment['CLUSTER']} and REGISTRY={registry} do not go together: "
                              "a team loop runs on the context you chose; unset one of them")
    context = current_context()
    if context is None:
        return Choice("stop", "no kube context is set: a team loop runs on the context of your team's cluster "
                              "(kubectl config use-context NAME, or KUBE_CONTEXT=NAME; if make has just fetched "
                              "kubectl, run the command again)")
    if not answers():
        return Choice("stop", f"the context {context.name} ({context.server or 'no server'}) does not answer: "
                              "check your connection to it (kubectl get --raw /readyz)", context.name)
    namespace, source = namespaces.chosen(environment)
    problem = namespaces.problem_with(namespace)
    if problem:
        return Choice("stop", f"{problem} (it came from {source})", context.name)
    return Choice("team", f"context {context.name} ({context.server or 'no server'}): the image is pushed to "
                          f"{registry} and pulled from there, and everything deploys into namespace {namespace} "
                          f"(from {source}; NAMESPACE=NAME chooses another)", context.name, namespace)


def choose(environment=os.environ):
    """Decide which cluster the loop uses."""
    if environment.get("REGISTRY"):
        return choose_team(environment)
    forced = environment.get("CLUSTER", "")
    if forced not in ("", "minikube"):
        return Choice("stop", f"CLUSTER={forced} is not understood: leave it unset (the current local "
                              "cluster, else minikube) or set CLUSTER=minikube")
    if forced == "minikube":
        return Choice("minikube", "CLUSTER=minikube")
    context = current_context()
    if context is None:
        return Choice("minikube", "no kube context is set")
    profile = minikube.profile(environment)
    if context.name == profile:
        return Choice("minikube", f"the current context is minikube's ({context.name})")
    local_to_skaffold, local_to_tilt = skaffold_takes_as_local(context), tilt_takes_as_local(context)
    if not local_to_skaffold and not local_to_tilt:
        return Choice("stop", f"the current context {context.name} ({context.server or 'no server'}) is not a "
                              "local cluster: to run the loop there, through a registry the cluster pulls from, "
                              "set it (make dev REGISTRY=registry.example.com/team, docs/how-to/team.md); "
                              "to start minikube instead, run CLUSTER=minikube make dev", context.name)
    if not answers():
        return Choice("minikube", f"the current context {context.name} is a local cluster that does not "
                                  "answer (start it and run this again to use it)")
    if local_to_skaffold and local_to_tilt:
        return Choice("current", f"{context.name} is a local cluster: Skaffold and Tilt build into it "
                                 "and push nothing", context.name)
    if nodes_run_docker():
        return Choice("current", f"{context.name} is a local cluster on this Docker engine: Tilt builds "
                                 "into it, and Skaffold builds into the same engine and pushes nothing "
                                 "(build.local.push: false)", context.name)
    return Choice("stop", f"the current context {context.name} is a local cluster whose nodes do not run on "
                          "Docker, so an image built here does not reach them without a registry: use the "
                          "remote profile with a registry it pulls from (docs/explanation/clusters.md, "
                          "A real cluster), or run CLUSTER=minikube make dev", context.name)


def say(choice):
    """One line on the choice; whether the loop can go on."""
    if choice.action == "stop":
        print(f"cluster: stopping: {choice.reason}", file=sys.stderr)
        return False
    if choice.action == "current":
        print(f"cluster: using the current context, {choice.reason}", flush=True)
    elif choice.action == "team":
        print(f"cluster: a team loop on {choice.reason}", flush=True)
        print("cluster: no Ingress and no Ingress controller: on a shared cluster an Ingress with no host "
              "would answer for every developer's, and the controller is the cluster admin's; yours answers "
              "on the port-forward", flush=True)
    else:
        print(f"cluster: using minikube: {choice.reason}", flush=True)
    return True


def main(argv):
    """Run a command; return the exit status."""
    if argv not in (["doctor"], ["up"], ["check"], ["namespace"]):
        print(__doc__, file=sys.stderr)
        return 2
    if argv == ["namespace"]:
        print(namespaces.chosen()[0])
        return 0
    if argv == ["up"]:
        # Before the choice, which asks kubectl; docker builds the image on any cluster.
        status = tools.main(["ensure", "docker", "kubectl"])
        if status:
            return status
    if argv == ["check"]:
        # skaffold delete and tilt down act on the current context whatever CLUSTER says
        # (CLUSTER=minikube would otherwise let a remote one through): judge that context.
        choice = choose(os.environ if os.environ.get("REGISTRY") else {**os.environ, "CLUSTER": ""})
        problem = namespaces.check(choice.namespace) if choice.action == "team" else None
        # A team loop that cannot go on deletes nothing either; a local one only where a context was refused.
        if choice.action == "stop" and (choice.context or os.environ.get("REGISTRY")) or problem:
            print(f"cluster: {problem or choice.reason}", file=sys.stderr)
            return 1
        return 0
    choice = choose()
    usable = say(choice)
    if argv == ["doctor"]:
        needed = ["docker", "kubectl", "skaffold", "tilt"] + (["minikube"] if choice.action == "minikube" else [])
        return 1 if tools.main(["doctor", *needed]) or not usable else 0
    return up(choice) if usable else 1


def up(choice):
    """Get the chosen cluster ready for the loop; exit status."""
    if choice.action == "team":
        problem = namespaces.ensure(choice.namespace)
        if problem:
            print(f"cluster: stopping: {problem}", file=sys.stderr)
            return 1
        return 0
    if choice.action == "minikube":
        started = tools.main(["ensure", "minikube"]) or minikube.start()
        if started:
            return started
        runtimes = sorted(set(node_runtimes()) - {"docker"})
        if runtimes:
            profile = minikube.profile()
            runtime = " and ".join(runtimes)
            print(f"cluster: stopping: minikube profile {profile} runs its containers on {runtime}, not "
                  "Docker, so an image the loop builds into its Docker engine never reaches its pods: "
                  f"recreate it on Docker with `minikube delete -p {profile}` then `make cluster`, or "
                  "run the loop on another profile with MINIKUBE_PROFILE=NAME", file=sys.stderr)
            return 1
    # The cluster it uses, as it is, gets a controller for the Ingress where it has none. The
    # loop does not need one (it forwards the Service to 127.0.0.1): a failure only warns.
    if ingress.main(["up"]):
        print("cluster: no Ingress controller was installed (see above): the loop runs, but `make curl` will "
              "not answer until one serves the class nginx; `make cluster` tries again", file=sys.stderr)
    return 0
