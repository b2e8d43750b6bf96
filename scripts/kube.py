"""kubectl for the loop's scripts: for a team loop (REGISTRY set), against KUBE_CONTEXT, the
context make fixed when it started, whatever the kubeconfig's current one becomes; otherwise
against the current context, as Skaffold and Tilt are (a KUBE_CONTEXT left in the environment
by something else never redirects a local loop)."""

import os
import subprocess


def kubectl(*args, stdin=None, timeout=20):
    """Run kubectl; (exit code, stdout, stderr), both stripped. No kubectl: 127; too slow: 124."""
    context = os.environ.get("KUBE_CONTEXT", "") if os.environ.get("REGISTRY") else ""
    command = ["kubectl", *(["--context", context] if context else []), *args]
    try:
        result = subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        return 127, "", "kubectl is not installed"
    except subprocess.TimeoutExpired:
        return 124, "", f"kubectl {' '.join(args)} took more than {timeout} s"
    return result.returncode, result.stdout.strip(), result.stderr.strip()
