"""Skaffold and Tilt themselves reading the project's files, no cluster needed.

What they print is what the config layer checks: the effective skaffold.yaml of each
profile (`skaffold diagnose --yaml-only`), the manifests it renders, and the Tiltfile's
result as Tilt loads it (`tilt alpha tiltfile-result`).
"""

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import yaml

from scripts.project import REPO
from tests.support.layers import cannot_run

# The variables that switch Skaffold profiles or Tiltfile branches on: unset, so that
# the default result is the same on every machine (CI sets BASE_IMAGE).
SWITCHES = ("BASE_IMAGE",)


def require(tool):
    """The tool's path; without it the real-tool checks cannot run."""
    path = shutil.which(tool)
    if path is None:
        cannot_run("CONFIG LAYER (REAL TOOLS)", f"{tool} is not on PATH",
                   "`make tools` fetches it into ./bin; CI builds it with `make e2e-tools`")
    return path


def run_tool(tool, *args, env=None, cwd=REPO, check=True):
    """Run skaffold or tilt in the repo with no kube context (unless env names a KUBECONFIG);
    return (exit code, stdout, stderr)."""
    environment = {k: v for k, v in os.environ.items() if k not in SWITCHES}
    environment.update(KUBECONFIG=os.devnull, SKAFFOLD_UPDATE_CHECK="false", SKAFFOLD_COLLECT_METRICS="false")
    environment.update(env or {})
    result = subprocess.run([require(tool), *args], cwd=cwd, env=environment, capture_output=True, text=True,
                            timeout=120)
    if check:
        assert result.returncode == 0, f"{tool} {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.returncode, result.stdout, result.stderr


def skaffold_config(*profiles, env=None, filename="skaffold.yaml"):
    """The configuration Skaffold builds from skaffold.yaml with these profiles active."""
    args = ["diagnose", "--yaml-only", "--filename", str(filename)]
    for profile in profiles:
        args += ["--profile", profile]
    return yaml.safe_load(run_tool("skaffold", *args, env=env)[1])


def skaffold_rendered():
    """{kind: resource} of the manifests `skaffold render` produces, images left as named."""
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "rendered.yaml"
        run_tool("skaffold", "render", "--digest-source=none", "--offline=true", "--output", str(output))
        return {doc["kind"]: doc for doc in yaml.safe_load_all(output.read_text()) if doc}


def tiltfile_result(path=REPO / "Tiltfile", env=None, args=()):
    """What Tilt makes of a Tiltfile given args (`tilt up -- ARGS`): (exit code, the
    result as JSON or None, stderr)."""
    code, out, err = run_tool("tilt", "alpha", "tiltfile-result", "--file", str(path), "--", *args, env=env,
                              cwd=path.parent, check=False)
    return code, (json.loads(out) if code == 0 else None), err


class TiltResult:
    """The parts of a Tiltfile result the tests read, by resource name."""

    # Tilt's model.TriggerMode values.
    TRIGGER_AUTO, TRIGGER_MANUAL = 0, 2

    def __init__(self, result):
        self.result = result
        self.manifests = {manifest["Name"]: manifest for manifest in result["Manifests"]}

    def image(self, resource):
        """The only image that resource builds."""
        (image,) = self.manifests[resource]["ImageTargets"]
        return image

    def deploy(self, resource):
        """What resource deploys (Kubernetes objects) or runs (a local command)."""
        return self.manifests[resource]["DeployTarget"]

    def objects(self, resource):
        """{kind: object} of the Kubernetes YAML that resource applies."""
        return {doc["kind"]: doc for doc in yaml.safe_load_all(self.deploy(resource)["yaml"]) if doc}
