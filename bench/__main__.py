"""Run the benchmarks, print each figure and write the results as JSON.

Usage: python -m bench [FIGURE ...]   figures: reload gate throughput weight builders cluster debug team (default:
all; cluster measures the loop on the current kube context's cluster, only where the loop takes that context as
local, and says so when none answers; team, a team loop on CI's cluster's second context through its registry)

Linux only: the machine's CPU and the processes' CPU time are read from /proc.
"""

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from bench import builders, cluster, debug, gate, image_weight, plot, reload, team, throughput
from harness.docker import build, docker, engine_problem
from scripts.project import REPO

FIGURES = {"reload": reload.run, "gate": gate.run, "throughput": throughput.run, "weight": image_weight.run,
           "builders": builders.run, "cluster": cluster.run, "debug": debug.run, "team": team.run}
NEEDS_DOCKER = {"reload", "throughput", "weight", "builders"}
RESULTS = REPO / "bench-results"
# Where the CPU model and every process's CPU time are read from: Linux's.
PROC = Path("/proc")


def machine():
    """What the figures were measured on."""
    cpu = next((line.split(":", 1)[1].strip() for line in open(PROC / "cpuinfo") if line.startswith("model name")),
               platform.processor())
    # The gate (figure 3) and the debugger (13) need no Docker engine: without one, None.
    engine = None if engine_problem() else docker("version", "--format", "{{.Server.Version}}").strip()
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "docker": engine,
            "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                                     capture_output=True, text=True).stdout.strip()}


def main(names):
    """Run the named figures (all by default); return the exit status."""
    unknown = set(names) - set(FIGURES)
    if unknown:
        print(f"bench: unknown figure(s) {', '.join(sorted(unknown))}; known: {', '.join(FIGURES)}", file=sys.stderr)
        return 2
    if not (PROC / "self" / "stat").exists():
        print(f"bench: Linux only: it reads the CPU model and the processes' CPU time from /proc, which this "
              f"system ({platform.system()}) does not have", file=sys.stderr)
        return 1
    names = names or list(FIGURES)
    if NEEDS_DOCKER & set(names):
        problem = engine_problem()
        if problem:
            print(f"bench: needs a Docker engine: {problem}", file=sys.stderr)
            return 1
        images = {target: build(target, f"flask-app-bench:{target}") for target in ("dev", "prod")}
    else:
        images = {}

    results = {"machine": machine(), "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    print(f"machine: {results['machine']['cores']} cores, {results['machine']['cpu']}, "
          f"Docker {results['machine']['docker'] or '(none)'}, commit {results['machine']['commit']}")
    for name in names:
        results[name] = FIGURES[name](images)

    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"bench-{results['started'].replace(':', '')}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"results: {path.relative_to(REPO)}")
    picture = plot.plot(results, path.with_suffix(".png"))
    if picture:
        print(f"plot: {picture.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
