"""kubectl for the loop's scripts: against KUBE_CONTEXT when it is set (the context a team loop
was started on, whatever the kubeconfig's current one becomes), else the current context."""

import os
import subprocess


def kubectl(*args, stdin=None, timeout=20):
    """Run kubectl; (exit code, stdout, stderr), both stripped. No kubectl: 127; too slow: 124."""
    context = os.environ.get("KUBE_CONTEXT", "")
    command = ["kubectl", *(["--context", context] if context else []), *args]
    try:
        result = subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        return 127, "", "kubectl is not installed"
    except subprocess.TimeoutExpired:
        return 124, "", f"kubectl {' '.join(args)} took more than {timeout} s"
    return result.returncode, result.stdout.strip(), result.stderr.strip()
