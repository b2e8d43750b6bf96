"""Figure 14: a team loop (docs/how-to/team.md) beside the local one, in the same run. A save to
every pod (Skaffold's sync, as in figure 7) and the same save by rebuild (pushed to the registry,
pulled by the cluster, as figure 9 is without a registry), on a context that no tool takes as
local; then the same two on the local context.

It needs what CI's cluster has (make e2e-cluster): its second context, team-shared, and the
registry on 127.0.0.1:5001. That registry is on this machine, so push and pull cost the
registry protocol and the layers, not a network's bandwidth or latency. Elsewhere it says so
and measures nothing.
"""

import subprocess
import tempfile
from pathlib import Path

from bench.cluster import EDIT_GAP, LOGS, START_TIMEOUT, edits, line, rebuild_and_rollout, wait_gone
from bench.stats import seconds
from harness.kube import (cluster_problem, forwards_to_each, kubeconfig_on, kubectl, skaffold_app_forward,
                          wait_for_ready_pods)
from harness.loop import Background, copy_project, tool_env
from harness.registry import REGISTRY, registry_problem

SHARED = "team-shared"  # hack/cluster/env.sh
NAMESPACE = "bench-team"
REPOSITORY = f"{REGISTRY}/bench-team"


def problem():
    """Why the figure cannot be measured here, or None."""
    found = cluster_problem() or registry_problem()
    if found:
        return found
    if SHARED not in kubectl("config", "get-contexts", "--output", "name").split():
        return f"the kubeconfig has no context {SHARED} (CI's cluster has one: make e2e-cluster)"
    return None


def synced_saves(workspace, env, team):
    """`make dev`, with REGISTRY and NAMESPACE for a team loop: the saves EDIT_GAP apart, then at once."""
    namespace = NAMESPACE if team else "default"
    args = [f"REGISTRY={REPOSITORY}", f"NAMESPACE={NAMESPACE}"] if team else []
    loop = Background(["make", "dev", *args], workspace, env, LOGS / f"{'team' if team else 'local'}-dev.log")
    views = workspace / "app" / "views.py"
    original = views.read_text()
    try:
        loop.wait_for_output(skaffold_app_forward(namespace), START_TIMEOUT)
        loop.wait_for_output(r"Press Ctrl\+C to exit", 120)
        pods = wait_for_ready_pods(3, 120, namespace=namespace)
        with forwards_to_each(pods, namespace=namespace) as urls:
            # The whole of each save only: figure 7 splits it into Skaffold's steps.
            result = edits(views, urls, "edit", EDIT_GAP, lambda saved, live: None)
            result["at once"] = edits(views, urls, "next edit", 0, lambda saved, live: None)
        return result
    finally:
        views.write_text(original)
        loop.interrupt(120)
        wait_gone()


def run(images=None):
    """Figure 14, in one run."""
    found = problem()
    if found:
        print(f"14. team loop figures skipped: {found}")
        return {"skipped": found}
    LOGS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        workspace = copy_project(Path(scratch) / "project")
        env = {**tool_env(), "KUBECONFIG": str(kubeconfig_on(SHARED, Path(scratch) / "kubeconfig"))}
        env.pop("KUBE_CONTEXT", None)
        try:
            print(f"14. save -> all 3 pods serve it: a team loop on context {SHARED} through the registry "
                  f"{REGISTRY} (on this machine), namespace {NAMESPACE}, beside the local loop, in one run")
            results = {"make dev REGISTRY": synced_saves(workspace, env, team=True)}
            print(line("make dev REGISTRY=...", results["make dev REGISTRY"]), flush=True)
            results["make dev"] = synced_saves(workspace, tool_env(), team=False)
            print(line("make dev (local)", results["make dev"]), flush=True)
            remote = ["-p", "remote", f"--default-repo={REPOSITORY}", f"--kube-context={SHARED}",
                      f"--namespace={NAMESPACE}"]
            results["rebuild"] = rebuild_and_rollout(workspace, remote, env, NAMESPACE)
            print(f"   {'skaffold run -p remote':<22} {seconds(results['rebuild']['seconds'])}  "
                  "(build, push, deploy, pull, rollout)", flush=True)
            results["local rebuild"] = rebuild_and_rollout(workspace)
            print(f"   {'skaffold run (local)':<22} {seconds(results['local rebuild']['seconds'])}  "
                  "(build, deploy, rollout)")
            return results
        finally:
            subprocess.run(["kubectl", "delete", "namespace", NAMESPACE, "--ignore-not-found", "--wait=false"],
                           capture_output=True, timeout=120)
