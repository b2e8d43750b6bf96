"""Figure 3: wall time of the exact command that Skaffold and Tilt run before a deploy."""

import subprocess
import sys
import time

from bench.stats import seconds, summary
from harness.files import command_words, load_yaml
from scripts.project import REPO

RUNS = 10


def timed(command):
    """Wall seconds of one run of command in the repo; fail if it fails."""
    started = time.perf_counter()
    subprocess.run(command, cwd=REPO, check=True, capture_output=True)
    return time.perf_counter() - started


def run(images=None):
    """Time the gate as skaffold.yaml names it, and its parts for comparison."""
    gate = command_words(load_yaml("skaffold.yaml")["test"][0]["custom"][0]["command"])
    parts = {
        "gate": gate,
        "pytest_all_plugins": [sys.executable, "-m", "pytest", "-q", "tests/unit"],
        "python_import_flask": [sys.executable, "-c", "import flask"],
    }
    timed(gate)  # warm the file cache and the virtualenv check once
    results = {name: summary([timed(command) for _ in range(RUNS)]) for name, command in parts.items()}
    print(f"3. pre-deploy gate `{' '.join(gate)}`")
    print(f"   the gate:                 {seconds(results['gate'])}")
    print(f"   pytest, every plugin:     {seconds(results['pytest_all_plugins'])}")
    print(f"   python -c 'import flask': {seconds(results['python_import_flask'])}")
    return {"gate_command": " ".join(gate), **{f"{k}_s": v for k, v in results.items()}}
