#!/usr/bin/env python3
"""Check that the tools of the Kubernetes loop are installed: where, which version.

Usage: doctor.py [TOOL ...]   (default: every tool). Exits 1 if any is missing.
"""

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Tool:
    """A command-line tool, how to ask its version, and where to get it."""

    name: str
    version_args: tuple
    install: str

    def version(self, path):
        """The version the tool reports, or what went wrong asking it."""
        try:
            result = subprocess.run([path, *self.version_args], capture_output=True, text=True, timeout=20)
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"(version unknown: {error})"
        output = (result.stdout or result.stderr).strip()
        if self.name == "kubectl":
            try:
                return json.loads(output)["clientVersion"]["gitVersion"]
            except (ValueError, KeyError):
                pass
        return output.splitlines()[0] if output else "(version unknown)"


TOOLS = {
    tool.name: tool
    for tool in (
        Tool("docker", ("version", "--format", "{{.Client.Version}}"), "https://docs.docker.com/get-docker/"),
        Tool("minikube", ("version", "--short"), "https://minikube.sigs.k8s.io/docs/start/"),
        Tool("kubectl", ("version", "--client", "--output=json"), "https://kubernetes.io/docs/tasks/tools/"),
        Tool("skaffold", ("version",), "https://skaffold.dev/docs/install/"),
        Tool("tilt", ("version",), "https://docs.tilt.dev/install.html"),
    )
}


def main(names):
    """Report each tool; return 1 if any is missing, 2 for an unknown name."""
    unknown = [name for name in names if name not in TOOLS]
    if unknown:
        print(f"doctor: unknown tool(s) {', '.join(unknown)}; known: {', '.join(TOOLS)}", file=sys.stderr)
        return 2
    missing = []
    for tool in (TOOLS[name] for name in names or TOOLS):
        path = shutil.which(tool.name)
        if path is None:
            missing.append(tool.name)
            print(f"MISSING  {tool.name:<9} not on PATH; install it: {tool.install}")
        else:
            print(f"ok       {tool.name:<9} {tool.version(path)}  ({path})")
    if missing:
        print(f"doctor: {len(missing)} tool(s) missing: {', '.join(missing)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
