"""Build and run the images in the real Docker engine, and sync files as Skaffold does."""

import json
import os
import shutil
import subprocess
import time
import uuid

from harness.http import answers, wait_until
from scripts.project import APP_PORT, REPO
from scripts.resync import tar_of

START_TIMEOUT = 30
# As in the Makefile: an empty BASE_IMAGE means the Dockerfile's default.
BASE_IMAGE = os.environ.get("BASE_IMAGE", "")
BUILD_NETWORK = os.environ.get("BUILD_NETWORK", "default")
# The container user's numeric UID, which the Dockerfile and the manifests share.
APP_UID = 10001


def docker(*args, input=None, check=True, timeout=600):
    """Run a docker command and return what it printed on stdout."""
    result = subprocess.run(["docker", *args], input=input, capture_output=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed:\n{result.stderr.decode(errors='replace')}")
    return result.stdout.decode()


def env_flags(env):
    """docker run's --env flags for a dict of variables."""
    return [flag for key, value in (env or {}).items() for flag in ("--env", f"{key}={value}")]


def engine_problem():
    """Why no Docker engine can be used here, or None when one answers."""
    if shutil.which("docker") is None:
        return "the docker command is not installed"
    result = subprocess.run(["docker", "info"], capture_output=True, timeout=60)
    if result.returncode != 0:
        return "no Docker engine answers `docker info`: " + result.stderr.decode(errors="replace").strip()[:300]
    return None


def base_image_problem(image, pull_timeout=300):
    """Why the base image cannot be had here (docker's own words), or None once it is local.

    Pulled when absent, as `docker build` would, but once and up front: a registry that
    cannot be reached is one message, not one failure per image that builds on it.
    """
    if subprocess.run(["docker", "image", "inspect", image], capture_output=True, timeout=60).returncode == 0:
        return None
    try:
        result = subprocess.run(["docker", "pull", "--quiet", image], capture_output=True, timeout=pull_timeout)
    except subprocess.TimeoutExpired:
        return f"the base image {image} cannot be pulled: no answer within {pull_timeout} s"
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip().splitlines()
        return f"the base image {image} cannot be pulled: {message[-1] if message else 'docker pull failed'}"
    return None


def build(target, tag, context=REPO, dockerfile=None):
    """Build one target of the Dockerfile (or of dockerfile) in context, as the Makefile does."""
    args = ["build", "--quiet", "--network", BUILD_NETWORK, "-t", tag]
    args += ["--file", str(dockerfile)] if dockerfile else []
    args += ["--target", target] if target else []
    if BASE_IMAGE:
        args += ["--build-arg", f"BASE_IMAGE={BASE_IMAGE}"]
    docker(*args, str(context))
    return tag


def base_image():
    """The base image the builds use: BASE_IMAGE, or the Dockerfile's default."""
    if BASE_IMAGE:
        return BASE_IMAGE
    for line in (REPO / "Dockerfile").read_text().splitlines():
        if line.startswith("ARG BASE_IMAGE="):
            return line.split("=", 1)[1]
    raise AssertionError("the Dockerfile declares no BASE_IMAGE default")


def run_to_exit(image, env=None, timeout=60):
    """Run the image's command until it exits; return (exit code, stdout and stderr)."""
    result = subprocess.run(["docker", "run", "--rm", *env_flags(env), image], capture_output=True, timeout=timeout)
    return result.returncode, (result.stdout + result.stderr).decode(errors="replace")


def image_size(image):
    """The image's size in bytes."""
    return int(docker("image", "inspect", "--format", "{{.Size}}", image))


class Container:
    """A detached container with its APP_PORT published on 127.0.0.1."""

    def __init__(self, image, env=None, name_prefix="flask-app-test", run_args=(), command=()):
        self.name = f"{name_prefix}-{uuid.uuid4().hex[:8]}"
        docker("run", "--detach", "--name", self.name, "--publish", f"127.0.0.1::{APP_PORT}", *env_flags(env),
               *run_args, image, *command)
        host_port = docker("port", self.name, f"{APP_PORT}/tcp").splitlines()[0].rsplit(":", 1)[1]
        self.url = f"http://127.0.0.1:{host_port}"

    def wait_ready(self):
        """Wait until the readiness probe answers; fail with the logs if the container dies."""
        def ready():
            assert self.state()["Running"], f"container exited:\n{self.logs()}"
            return answers(self.url)

        wait_until(ready, START_TIMEOUT, what=f"{self.name} becoming ready")
        return self

    def state(self):
        """The container's State from docker inspect."""
        return json.loads(docker("inspect", "--format", "{{json .State}}", self.name))

    def host_pids(self):
        """The host PIDs of every process in the container."""
        return [int(line.split()[0]) for line in docker("top", self.name, "-eo", "pid").splitlines()[1:]]

    def process_uids(self):
        """The UIDs of every process in the container, as the host's kernel sees them."""
        return {line.split()[0] for line in docker("top", self.name, "-eo", "uid,pid").splitlines()[1:]}

    def logs(self):
        """What the container printed, stdout and stderr."""
        result = subprocess.run(["docker", "logs", self.name], capture_output=True, timeout=60)
        return (result.stdout + result.stderr).decode(errors="replace")

    def exec(self, *command, input=None, check=True):
        """Run a command inside the container as its own user."""
        return docker("exec", "--interactive", self.name, *command, input=input, check=check)

    def sync(self, files):
        """Copy {absolute path: text} into the container the way `skaffold dev` syncs.

        Skaffold streams a tar of the changed files into `tar xmf - -C / --no-same-owner`
        run by `kubectl exec` as the container's user; this does the same with docker exec.
        """
        archive = tar_of({path.lstrip("/"): text.encode() for path, text in files.items()})
        self.exec("tar", "xmf", "-", "-C", "/", "--no-same-owner", input=archive)

    def stop(self, timeout=30):
        """docker stop (SIGTERM, then SIGKILL after timeout); return seconds taken and exit code."""
        started = time.monotonic()
        docker("stop", "--time", str(timeout), self.name, timeout=timeout + 30)
        return time.monotonic() - started, self.state()["ExitCode"]

    def remove(self):
        """Remove the container, running or not."""
        docker("rm", "--force", self.name, check=False)
