"""Start minikube for the loop unless it runs, and point kubectl at it: `make cluster`, when
the loop uses minikube (scripts/cluster.py). Honours KUBECONFIG and MINIKUBE_PROFILE."""

import os
import pwd
import subprocess
import sys
from pathlib import Path

from . import tools
from .kube import kubectl


def profile(environment=os.environ):
    """The minikube profile the loop uses."""
    return environment.get("MINIKUBE_PROFILE") or "minikube"


def kubeconfig():
    """The kubeconfig file minikube writes its context into: KUBECONFIG's first."""
    return Path((os.environ.get("KUBECONFIG") or str(Path.home() / ".kube" / "config")).split(":")[0])


def start_command():
    """How minikube starts the profile: at the pinned Kubernetes, the one kubectl follows. On
    Docker, said explicitly: minikube 1.39 makes containerd the default, and the loop builds
    into the Docker engine that runs the pods."""
    version = tools.pinned_version(tools.TOOLS["kubectl"])
    return ["minikube", "-p", profile(), "start", "--container-runtime=docker", "--kubernetes-version", f"v{version}"]


def say(line):
    print(f"cluster: {line}", file=sys.stderr)


def start():
    """Start the profile unless it runs, and make it kubectl's current context; exit status."""
    path = kubeconfig()
    # minikube writes its context into the kubeconfig; a file created by `sudo` makes that
    # fail with "permission denied" halfway through the start.
    if path.exists() and not os.access(path, os.W_OK):
        say(f"{path} is not writable by {pwd.getpwuid(os.geteuid()).pw_name} (was it created with sudo?).")
        say(f"fix it with: sudo chown {os.getuid()}:{os.getgid()} {path}")
        say("or use a file of your own: KUBECONFIG=$HOME/.kube/minikube.yaml make cluster")
        return 1
    path.parent.mkdir(parents=True, exist_ok=True)
    name = profile()
    if subprocess.run(["minikube", "-p", name, "status"], capture_output=True).returncode == 0:
        print(f"cluster: minikube profile {name} is running", flush=True)
        status = subprocess.run(["minikube", "-p", name, "update-context"]).returncode
    else:
        status = subprocess.run(start_command()).returncode
    if status:
        return status
    code, out, err = kubectl("config", "use-context", name)
    print(out or err, file=sys.stderr if code else sys.stdout, flush=True)
    return code
