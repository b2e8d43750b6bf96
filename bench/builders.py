"""Figure 6: what BuildKit buys this Dockerfile against the classic builder Skaffold uses.

Each target is built cold (no layer cache; the base image is present) and warm (after an
edit to app/, the dependency layers cached), by each builder, from a copy of the context.
BuildKit needs a Docker CLI that can drive it: one with the buildx plugin, or an older
CLI that still speaks to BuildKit itself (DOCKER_BUILDKIT=1); without one, it is skipped.
"""

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from harness.docker import BASE_IMAGE, BUILD_NETWORK
from scripts.project import REPO

CONTEXT_FILES = ("Dockerfile", ".dockerignore", "pyproject.toml", "uv.lock", "devserver.py", "serve.py", "app")
CANDIDATE_CLIS = ("docker", "/usr/bin/docker")


def build_command(cli, target, tag, context, cache):
    """The docker build command line for one build."""
    command = [cli, "build", "--quiet", "--network", BUILD_NETWORK, "--target", target, "-t", tag]
    if BASE_IMAGE:
        command += ["--build-arg", f"BASE_IMAGE={BASE_IMAGE}"]
    if not cache:
        command.append("--no-cache")
    return command + [str(context)]


def timed_build(cli, buildkit, target, context, cache):
    """Seconds one build took; fails with docker's message."""
    env = {**os.environ, "DOCKER_BUILDKIT": "1" if buildkit else "0"}
    started = time.monotonic()
    result = subprocess.run(build_command(cli, target, f"flask-app-bench:builders-{target}", context, cache),
                            env=env, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip()[-500:])
    return time.monotonic() - started


def buildkit_cli(context):
    """A Docker CLI that builds with BuildKit here, or None."""
    for cli in CANDIDATE_CLIS:
        if shutil.which(cli) is None:
            continue
        try:
            timed_build(cli, True, "dev", context, cache=True)
            return cli
        except RuntimeError:
            continue
    return None


def run(images):
    """Cold and warm builds of both targets with each builder available."""
    with tempfile.TemporaryDirectory() as scratch:
        context = Path(scratch)
        for name in CONTEXT_FILES:
            source = REPO / name
            (shutil.copytree if source.is_dir() else shutil.copy2)(source, context / name)
        builders = {"classic": ("docker", False)}
        cli = buildkit_cli(context)
        if cli:
            builders["BuildKit"] = (cli, True)
        print("6. docker build, cold (no cache) and warm (after an edit to app/), in seconds")
        results = {}
        for builder, (cli, buildkit) in builders.items():
            for target in ("dev", "prod"):
                cold = timed_build(cli, buildkit, target, context, cache=False)
                (context / "app" / "views.py").write_text((REPO / "app" / "views.py").read_text() + f"\n# {time.time()}\n")
                warm = timed_build(cli, buildkit, target, context, cache=True)
                results[f"{builder} {target}"] = {"cold": cold, "warm": warm}
                print(f"   {builder:<8} {target:<5} cold {cold:6.1f} s   warm {warm:5.2f} s")
        if not cli:
            print("   BuildKit: no Docker CLI here can build with it (no buildx plugin)")
        return results
