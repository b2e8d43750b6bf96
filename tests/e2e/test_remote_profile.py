"""The README's `skaffold run -p remote --default-repo=... --kube-context=...` against a real
registry: the image is pushed, anonymously, under a unique tag; its local copy is removed; the
cluster's pods pull the pushed digest; `skaffold delete -p remote` removes it all.

The registry is CI's (hack/cluster/up.sh: CNCF Distribution on 127.0.0.1:5001, no auth). The
cluster's kubelet pulls through the host's Docker engine, which takes 127.0.0.0/8 registries
for plain HTTP. The one command is run as its two halves, build and deploy, so that the local
copy can be removed in between: then the pods can only get the image from the registry.
"""

import json
import subprocess
import uuid
from pathlib import Path

import pytest

from app import DEFAULT_ATHLETE
from harness.docker import docker
from harness.http import wait_until
from harness.kube import APP_SELECTOR, kubectl, leftovers, port_forward, wait_for_ready_pods
from harness.loop import run
from harness.registry import REGISTRY, registry_problem, served_digest
from scripts.project import APP_PORT, SERVICE
from tests.support.contract import check_contract
from tests.support.layers import cannot_run
from tests.support.timeouts import DEPLOY_TIMEOUT

pytestmark = pytest.mark.e2e


def credentials(env):
    """The registries that env's Docker config (DOCKER_CONFIG, else ~/.docker) has logins or helpers for."""
    path = Path(env.get("DOCKER_CONFIG") or Path.home() / ".docker") / "config.json"
    config = json.loads(path.read_text()) if path.is_file() else {}
    return set(config.get("auths") or {}) | set(config.get("credHelpers") or {})


def is_local(reference):
    """Whether the local Docker engine holds an image by that reference."""
    return subprocess.run(["docker", "image", "inspect", reference], capture_output=True, timeout=60).returncode == 0


@pytest.fixture(scope="module")
def pushed(workspace, tool_env, cluster, tmp_path_factory):
    """The first half, `skaffold build -p remote` to a new repository under a unique tag, with
    the local copy removed after: (build.json, {"repository", "tag", "digest"}, the logins before)."""
    problem = registry_problem()
    if problem:
        cannot_run("REMOTE PROFILE TEST", problem, "It needs CI's registry: on Linux as root, `make e2e-cluster` "
                   f"starts one on {REGISTRY} beside the cluster")
    logins = credentials(tool_env)
    unique = uuid.uuid4().hex
    build_json = tmp_path_factory.mktemp("remote") / "build.json"
    run("skaffold", "build", "-p", "remote", f"--default-repo={REGISTRY}/e2e-{unique}", f"--tag={unique}",
        f"--file-output={build_json}", f"--kube-context={cluster}", cwd=workspace, env=tool_env,
        timeout=DEPLOY_TIMEOUT)
    builds = json.loads(build_json.read_text())["builds"]
    for build in builds:
        # By tag: `docker rmi name:tag@digest` would remove the digest's reference only.
        docker("rmi", build["tag"].split("@")[0])
    tagged, digest = builds[0]["tag"].split("@")
    repository, tag = tagged.rsplit(":", 1)
    yield build_json, {"repository": repository, "tag": tag, "digest": digest}, logins
    # What kubelet pulled (its pods gone or not): the engine keeps no image of this registry.
    docker("rmi", "--force", f"{repository}@{digest}", check=False)


@pytest.fixture(scope="module")
def deployed(pushed, workspace, tool_env, cluster):
    """The second half, `skaffold deploy -p remote` of what was pushed (status check on); the
    pushed image. Whatever is left is deleted afterwards."""
    build_json, image, _ = pushed
    run("skaffold", "deploy", "-p", "remote", f"--build-artifacts={build_json}", f"--kube-context={cluster}",
        cwd=workspace, env=tool_env, timeout=DEPLOY_TIMEOUT)
    yield image
    if leftovers():
        run("skaffold", "delete", "-p", "remote", f"--kube-context={cluster}", cwd=workspace, env=tool_env)


def test_skaffold_build_pushes_anonymously_and_keeps_no_local_copy(pushed, tool_env):
    build_json, image, logins_before = pushed
    assert len(json.loads(build_json.read_text())["builds"]) == 1
    assert image["repository"] == f"{REGISTRY}/e2e-{image['tag']}/flask-app"
    assert served_digest(image["repository"], image["tag"]) == image["digest"]
    # No login was needed (the registry answered /v2/ without one) and none was written.
    assert REGISTRY not in logins_before | credentials(tool_env)
    assert not is_local(f"{image['repository']}:{image['tag']}")
    assert not is_local(f"{image['repository']}@{image['digest']}")


def test_three_pods_run_the_digest_that_the_registry_serves(deployed):
    reference = f"{deployed['repository']}:{deployed['tag']}@{deployed['digest']}"
    pods = {pod["name"] for pod in wait_for_ready_pods(3, 120, image=reference)}
    listed = json.loads(kubectl("get", "pods", "--selector", APP_SELECTOR, "--output", "json"))["items"]
    # Docker's runtime says docker-pullable://REPOSITORY@DIGEST: the manifest it pulled, named by
    # the first repository the engine holds it under (an earlier run may have pushed the same).
    pulled = {pod["metadata"]["name"]: pod["status"]["containerStatuses"][0]["imageID"].rpartition("@")[2]
              for pod in listed if pod["metadata"]["name"] in pods}
    assert pulled == dict.fromkeys(pods, served_digest(deployed["repository"], deployed["tag"]))


def test_the_contract_holds_through_the_service(deployed):
    with port_forward(f"service/{SERVICE}", APP_PORT) as url:
        check_contract(url, DEFAULT_ATHLETE)


def test_skaffold_delete_removes_everything(deployed, workspace, tool_env, cluster):
    run("skaffold", "delete", "-p", "remote", f"--kube-context={cluster}", cwd=workspace, env=tool_env)
    wait_until(lambda: leftovers() == [], 120, interval=1, what="everything skaffold deploy -p remote made being gone")
