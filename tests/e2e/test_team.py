"""A team on one shared cluster (docs/how-to/team.md), through the README's commands: `make dev`,
`make tilt` and `make down` with REGISTRY, on CI's cluster under its second context,
team-shared, which neither Skaffold nor Tilt takes as local, and through CI's registry.

Two developers loop at once from two clones of the project: alice as the cluster admin (her
loop creates her namespace), bob as a ServiceAccount bound to k8s/team/developer-role.yaml
alone, in the namespace the admin's one-time step made for him (`make team-namespace`), so
that the Role is proven enough. Then carol's `make tilt`. The API server is restarted under
bob's loop and under carol's: the forward on 127.0.0.1 must answer again within 15 s of the
API server answering.
"""

import json
import os
import re
import shlex
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.edits import views_answering
from harness.http import answers, wait_until
from harness.kube import (forwards_to_each, kubeconfig_on, kubectl, leftovers, replace_pod, skaffold_app_forward,
                          wait_for_ready_pods)
from harness.loop import Background, copy_project, run
from harness.registry import REGISTRY, registry_problem, served_digest
from harness.servers import free_port
from tests.support.docs import documented
from tests.support.kube import serves, wait_for_every_pod_to_serve
from tests.support.layers import cannot_run
from tests.support.timeouts import DEPLOY_TIMEOUT

pytestmark = pytest.mark.e2e
SHARED = "team-shared"  # hack/cluster/env.sh
SAVE_TIMEOUT = 30
FORWARD_BACK_SECONDS = 15  # the bound: from the API server answering to the forward answering
OUTAGE_SECONDS = 5  # the API server is away this long, on top of its own stop and start
REFUSAL = "Only GET method valid"
FIGURES = Path("/tmp/favorite-athlete-team-figures.txt")  # outside the project: the notes' figures
# What the page's placeholders stand for here, besides each developer's registry.
EXAMPLE_REGISTRY = "registry.example.com/team"


@dataclass
class Developer:
    """One developer's clone, loop and namespace."""

    name: str
    workspace: Path
    env: dict
    loop: Background = None
    url: str = ""

    @property
    def registry(self):
        return f"{REGISTRY}/{self.name}"

    def typed(self, command):
        """A make command of the page, as this developer types it: their registry, their NAMESPACE."""
        return [*shlex.split(command.replace(EXAMPLE_REGISTRY, self.registry)), f"NAMESPACE={self.name}"]

    def make(self, command, check=True, timeout=DEPLOY_TIMEOUT):
        """Run a make command of the page in the clone (typed); (exit code, output)."""
        result = subprocess.run(self.typed(command), cwd=self.workspace, env=self.env, capture_output=True,
                                text=True, timeout=timeout)
        output = result.stdout + result.stderr
        assert not check or result.returncode == 0, f"{command} failed:\n{output}"
        return result.returncode, output


def delete_namespace(name):
    kubectl("delete", "namespace", name, "--ignore-not-found", "--wait=false")


def record(line):
    """A figure for the notes, beside the test's own output."""
    with FIGURES.open("a") as figures:
        figures.write(f"{time.strftime('%H:%M:%S')} {line}\n")
    print(line)


@pytest.fixture(scope="module")
def shared(cluster):
    """The second context and the registry, or the test cannot run."""
    contexts = kubectl("config", "get-contexts", "--output", "name").split()
    if SHARED not in contexts:
        cannot_run("TEAM TEST", f"the kubeconfig has no context {SHARED}",
                   "CI's cluster has it (make e2e-cluster); on a laptop, point a second context at your cluster")
    problem = registry_problem()
    if problem:
        cannot_run("TEAM TEST", problem, f"It needs CI's registry on {REGISTRY} (make e2e-cluster)")
    return SHARED


@pytest.fixture(scope="module")
def developers(shared, tool_env, tmp_path_factory):
    """alice's and bob's clones and identities; the admin's step for bob done."""
    work = tmp_path_factory.mktemp("team")
    for name in ("alice", "bob", "carol"):
        delete_namespace(name)
        wait_until(lambda name=name: not kubectl("get", "namespace", name, "--ignore-not-found"), 120,
                   interval=1, what=f"namespace {name} gone from an earlier run")
    alice = Developer("alice", copy_project(work / "alice"),
                      {**tool_env, "KUBECONFIG": str(kubeconfig_on(SHARED, work / "alice.kubeconfig"))})
    alice.env.pop("KUBE_CONTEXT", None)
    # The admin's one-time step for bob, as docs/how-to/team.md gives it, then bob's identity: a
    # ServiceAccount's token in a kubeconfig of its own.
    grant = documented("docs/how-to/team.md",
                       "make team-namespace NAMESPACE=jane-doe DEVELOPER=User:jane.doe@example.com",
                       substitute={"jane-doe": "bob", "User:jane.doe@example.com": "ServiceAccount:bob:bob"})
    run(*shlex.split(grant), cwd=alice.workspace, env=tool_env)
    kubectl("create", "serviceaccount", "bob", "--namespace", "bob")
    token = kubectl("create", "token", "bob", "--namespace", "bob", "--duration", "2h").strip()
    bob = Developer("bob", copy_project(work / "bob"),
                    {**tool_env, "KUBECONFIG": str(kubeconfig_on(SHARED, work / "bob.kubeconfig", ("bob", token)))})
    bob.env.pop("KUBE_CONTEXT", None)
    # Each kubeconfig has the shared context already; the developer's first step, as the page gives it.
    use_context = documented("docs/how-to/team.md", "kubectl config use-context team-dev",
                             substitute={"team-dev": SHARED})
    for developer in (alice, bob):
        run(*shlex.split(use_context), env=developer.env)
    yield {"alice": alice, "bob": bob, "work": work}
    for name in ("alice", "bob", "carol"):
        delete_namespace(name)


@pytest.fixture(scope="module")
def loops(developers):
    """`make dev REGISTRY=... NAMESPACE=...` running in alice's clone and in bob's, both ready.
    bob's starts once alice's forwards: two Skaffolds that look for a free local port at the
    same moment can both take the same one (on two laptops, each has 5000)."""
    running = [developers["alice"], developers["bob"]]
    try:
        for developer in running:
            command = developer.typed(documented("docs/how-to/team.md", "make dev REGISTRY=registry.example.com/team"))
            developer.loop = Background(command, developer.workspace, developer.env,
                                        developers["work"] / f"{developer.name}-dev.log")
            port = developer.loop.wait_for_output(skaffold_app_forward(developer.name), DEPLOY_TIMEOUT).group(1)
            developer.url = f"http://127.0.0.1:{port}"
            developer.loop.wait_for_output(r"Press Ctrl\+C to exit", 120)
            wait_for_ready_pods(3, 120, namespace=developer.name)
        yield developers
    finally:
        for developer in running:
            if developer.loop:
                developer.loop.interrupt(120)


def each_pod_serves(namespace, athlete, timeout, what):
    pods = wait_for_ready_pods(3, 120, namespace=namespace)
    with forwards_to_each(pods, namespace=namespace) as urls:
        wait_for_every_pod_to_serve(urls, athlete, REFUSAL, timeout, what)


def pushed_image(pod):
    """(repository, tag, digest) of the image a pod's spec names: REPOSITORY:TAG@DIGEST."""
    tagged, _, digest = pod["image"].partition("@")
    repository, _, tag = tagged.rpartition(":")
    return repository, tag, digest


def test_each_loop_says_first_where_it_deploys(loops):
    for developer in (loops["alice"], loops["bob"]):
        output = developer.loop.output()
        said = [line for line in output.splitlines() if line.startswith("cluster: ")]
        assert said[0] == (f"cluster: a team loop on context {SHARED} (https://127.0.0.1:6443): the image is pushed "
                           f"to {developer.registry} and pulled from there, and everything deploys into namespace "
                           f"{developer.name} (from NAMESPACE; NAMESPACE=NAME chooses another)")
    # alice's loop made her namespace; bob's was the admin's, and bob could not have made one.
    assert "cluster: created namespace alice" in loops["alice"].loop.output()
    assert "created namespace" not in loops["bob"].loop.output()
    labels = json.loads(kubectl("get", "namespace", "alice", "--output", "json"))["metadata"]["labels"]
    assert labels["app.kubernetes.io/managed-by"] == "favorite-athlete-loop"


def test_the_pods_run_the_digest_the_registry_serves_for_the_pushed_tag(loops):
    for developer in (loops["alice"], loops["bob"]):
        pods = wait_for_ready_pods(3, 120, namespace=developer.name)
        (image,) = {pushed_image(pod) for pod in pods}
        repository, tag, digest = image
        assert repository == f"{developer.registry}/flask-app"
        assert re.fullmatch(r"[0-9a-f]{64}", tag), f"not a digest of the inputs: {tag}"
        assert served_digest(repository, tag) == digest
        # By digest alone: alice's and bob's images are the same, and one node's engine names
        # a digest it holds by the first repository it pulled it from.
        assert {pod["image_id"].rpartition("@")[2] for pod in pods} == {digest}


def test_each_loop_deploys_into_its_namespace_alone_and_no_ingress(loops):
    """Everything a loop deployed carries its Skaffold run's label: all of it in the developer's
    namespace, and no Ingress (with no host rule it would claim every developer's hosts)."""
    for developer in (loops["alice"], loops["bob"]):
        pod = json.loads(kubectl("get", "pods", "--namespace", developer.name, "--output", "json"))["items"][0]
        run_id = pod["metadata"]["labels"]["skaffold.dev/run-id"]
        deployed = kubectl("get", "deployments,services,poddisruptionbudgets,ingresses,pods", "--all-namespaces",
                           "--selector", f"skaffold.dev/run-id={run_id}", "--output",
                           "jsonpath={range .items[*]}{.metadata.namespace} {.kind}{'\\n'}{end}").splitlines()
        assert {line.split()[0] for line in deployed} == {developer.name}
        assert {"Deployment", "Service", "Pod"} <= {line.split()[1] for line in deployed}
        assert leftovers(developer.name) and not [name for name in leftovers(developer.name) if "ingress" in name]


def test_a_save_in_alices_clone_reaches_all_her_pods_and_none_of_bobs(loops):
    alice, bob = loops["alice"], loops["bob"]
    (alice.workspace / "app" / "views.py").write_text(views_answering("Saved By Alice"))
    each_pod_serves("alice", "Saved By Alice", SAVE_TIMEOUT, "alice's save in each of her pods")
    bob_pods = wait_for_ready_pods(3, 120, namespace="bob")
    with forwards_to_each(bob_pods, namespace="bob") as urls:
        for url in urls.values():
            assert serves(url, "Serena Williams", REFUSAL), f"a pod of bob's does not serve bob's code: {url}"


def test_a_pod_of_alices_replaced_is_healed_with_her_latest_save(loops):
    before = wait_for_ready_pods(3, 120, namespace="alice")
    replace_pod(before[0]["name"], namespace="alice")
    wait_until(lambda: before[0]["name"] not in {pod["name"] for pod in wait_for_ready_pods(3, 120, namespace="alice")},
               120, interval=1, what="alice's pod replaced")
    each_pod_serves("alice", "Saved By Alice", SAVE_TIMEOUT, "alice's latest save in her replaced pod")


def test_bobs_loop_needs_nothing_beyond_the_role(loops):
    """His save syncs and his replaced pod heals (exec, watch, delete), with the Role alone."""
    bob = loops["bob"]
    (bob.workspace / "app" / "views.py").write_text(views_answering("Saved By Bob"))
    each_pod_serves("bob", "Saved By Bob", SAVE_TIMEOUT, "bob's save in each of his pods")
    pod = wait_for_ready_pods(3, 120, namespace="bob")[0]["name"]
    run("kubectl", "delete", "pod", pod, "--namespace", "bob", "--wait=false", env=bob.env)
    wait_until(lambda: pod not in {p["name"] for p in wait_for_ready_pods(3, 120, namespace="bob")}, 120,
               interval=1, what="bob's pod replaced")
    each_pod_serves("bob", "Saved By Bob", SAVE_TIMEOUT, "bob's latest save in his replaced pod")
    assert "forbidden" not in bob.loop.output().lower()
    # And the Role is all he has: nothing outside his namespace.
    denied = subprocess.run(["kubectl", "get", "pods", "--namespace", "alice"], env=bob.env, capture_output=True,
                            text=True, timeout=60)
    assert denied.returncode != 0 and "forbidden" in denied.stderr


def test_alice_cannot_take_down_bobs_loop_even_as_the_cluster_admin(loops):
    """bob's namespace records bob as its owner: alice's rights do not make it hers."""
    alice = loops["alice"]
    result = subprocess.run(["make", "down", f"REGISTRY={alice.registry}", "NAMESPACE=bob"], cwd=alice.workspace,
                            env=alice.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    assert result.returncode != 0
    assert "namespace bob is system:serviceaccount:bob:bob's, not yours (e2e-admin)" in result.stdout
    assert "skaffold delete" not in result.stdout
    assert "deployment.apps/flask-app" in leftovers("bob")
    assert len(wait_for_ready_pods(3, 30, namespace="bob")) == 3


def test_make_down_in_alices_clone_leaves_bobs_loop_serving(loops):
    alice, bob = loops["alice"], loops["bob"]
    alice.make(documented("docs/how-to/team.md", "make down REGISTRY=registry.example.com/team"))
    wait_until(lambda: leftovers("alice") == [], 120, interval=1, what="alice's objects gone")
    assert kubectl("get", "namespace", "alice", "--ignore-not-found"), "make down deleted alice's namespace"
    assert len(wait_for_ready_pods(3, 30, namespace="bob")) == 3
    # Skaffold forwards the Service to one of its pods, found again when that pod is replaced.
    wait_until(lambda: serves(bob.url, "Saved By Bob", REFUSAL), 30, interval=0.2, what="bob's forward serving")


def outages(probes, until):
    """Poll each probe every 50 ms until until() holds for all of them; {name: (first failure,
    first success after it)} in monotonic seconds, (None, None) for one that never failed."""
    seen = {name: [None, None] for name in probes}
    while True:
        now = time.monotonic()
        for name, probe in probes.items():
            down, back = seen[name]
            ok = probe()
            if not ok and down is None:
                seen[name][0] = now
            elif ok and down is not None and back is None:
                seen[name][1] = now
        if until(seen):
            return {name: tuple(times) for name, times in seen.items()}
        time.sleep(0.05)


def forward_outage(url, what):
    """Restart the API server (down OUTAGE_SECONDS plus its own stop and start) while url is
    polled; return the seconds from the API server answering again to url answering GET /
    again, and record the figures."""
    state = Path(os.environ.get("E2E_CLUSTER_DIR") or "/tmp/favorite-athlete-e2e")
    if not (state / "commands" / "kube-apiserver").is_file():
        cannot_run("API SERVER RESTART TEST", f"no API server started by hack/cluster/up.sh runs from {state}",
                   "It restarts CI's cluster's API server (make e2e-cluster)")
    assert answers(url, "/", None), f"{what} does not answer before the restart"
    restart = subprocess.Popen(["bash", "hack/cluster/restart.sh", "kube-apiserver", str(OUTAGE_SECONDS)],
                               cwd=Path(__file__).resolve().parents[2])
    probes = {"api": lambda: subprocess.run(["kubectl", "get", "--raw", "/livez", "--request-timeout=1s"],
                                            capture_output=True, timeout=10).returncode == 0,
              "forward": lambda: answers(url, "/", None)}
    deadline = time.monotonic() + 180
    seen = outages(probes, lambda seen: time.monotonic() > deadline or (
        restart.poll() is not None and all(back for _, back in seen.values())))
    assert restart.wait(60) == 0
    (api_down, api_back), (forward_down, forward_back) = seen["api"], seen["forward"]
    assert api_back, "the API server did not answer again within 180 s"
    assert forward_down, f"{what} never stopped answering: the restart tested nothing"
    assert forward_back, f"{what} did not answer again within 180 s"
    late = forward_back - api_back
    record(f"{what}: the API server was away {api_back - api_down:.1f} s; the forward was away "
           f"{forward_back - forward_down:.1f} s and answered {late:.2f} s after the API server did")
    return late


def test_the_forward_of_a_skaffold_loop_comes_back_after_the_api_server_restarts(loops):
    bob = loops["bob"]
    assert forward_outage(bob.url, "bob's make dev") <= FORWARD_BACK_SECONDS
    assert serves(bob.url, "Saved By Bob", REFUSAL)


def test_without_a_registry_a_shared_context_stops_before_anything(developers):
    alice = developers["alice"]
    result = subprocess.run(["make", "dev"], cwd=alice.workspace, env=alice.env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, timeout=300)
    output = result.stdout
    assert result.returncode != 0
    assert (f"cluster: stopping: the current context {SHARED} (https://127.0.0.1:6443) is not a local cluster: to "
            "run the loop there, through a registry the cluster pulls from, set it (make dev "
            "REGISTRY=registry.example.com/team") in output
    assert "skaffold" not in output.split("cluster: stopping:")[1]


def test_make_tilt_on_the_shared_context(developers):
    carol = Developer("carol", copy_project(developers["work"] / "carol"), developers["alice"].env)
    port, ui = free_port(), free_port()
    # docs/how-to/platforms.md's command for a port of your choice, in a team loop, headless.
    moved = documented("docs/how-to/platforms.md", "make tilt PORT=5005", substitute={"5005": str(port)})
    tilt = Background([*carol.typed(moved), f"REGISTRY={carol.registry}", f"TILT_ARGS=--stream --port {ui}"],
                      carol.workspace, carol.env,
                      developers["work"] / "carol-tilt.log")
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: answers(url, "/", None), DEPLOY_TIMEOUT, interval=1, what="carol's tilt forward")
        pods = wait_for_ready_pods(3, 120, namespace="carol")
        (image,) = {pod["image"] for pod in pods}
        repository, _, tag = image.rpartition(":")
        assert repository == f"{carol.registry}/flask-app" and tag.startswith("tilt-")
        assert {pod["image_id"].rpartition("@")[2] for pod in pods} == {served_digest(repository, tag)}
        assert leftovers("default") == []
        assert forward_outage(url, "carol's make tilt") <= FORWARD_BACK_SECONDS
        # Her saves are confirmed in her namespace, where `tilt up --namespace` deployed.
        (carol.workspace / "app" / "views.py").write_text(views_answering("Saved By Carol"))
        tilt.wait_for_output(r"resync: live: app/views\.py in 3/3 pods, \d+\.\d\d s after the save", SAVE_TIMEOUT)
    finally:
        tilt.interrupt(60)
    carol.make(documented("docs/how-to/team.md", "make down REGISTRY=registry.example.com/team"))
    wait_until(lambda: leftovers("carol") == [], 120, interval=1, what="carol's objects gone")
