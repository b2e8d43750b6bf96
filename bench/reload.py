"""Figures 1 and 2: an edit going live in the dev container, by sync and by rebuild."""

import shutil
import tempfile
import time
from pathlib import Path

from bench.stats import seconds, summary
from harness.docker import Container, build
from harness.edits import views_answering
from harness.http import answers, seconds_until, wait_until
from harness.processes import cpu_seconds_used
from harness.servers import copy_of_source
from scripts.project import REPO

EDITS = 20
REBUILDS = 5
LIVE_TIMEOUT = 10.0
SETTLE_SECONDS = 0.5
IDLE_WINDOW = 5.0
SYNCED_VIEWS = "/app/app/views.py"


def first_answer_with(url, athlete, started, timeout=LIVE_TIMEOUT):
    """Seconds from started until GET / answers athlete, or None if it never does."""
    return seconds_until(lambda left: wait_until(lambda: answers(url, "/", {"athlete": athlete}), left, interval=0.002),
                         started, timeout)


def sync_edits(image):
    """Figure 1: EDITS edits synced as Skaffold does; time to the first new answer."""
    container = Container(image, name_prefix="flask-app-bench").wait_ready()
    try:
        time.sleep(SETTLE_SECONDS)
        idle_cpu = cpu_seconds_used(container.host_pids(), IDLE_WINDOW) / IDLE_WINDOW

        to_live, after_sync, missed = [], [], 0
        for number in range(EDITS):
            athlete = f"Edit {number}"
            started = time.perf_counter()
            container.sync({SYNCED_VIEWS: views_answering(athlete)})
            synced = time.perf_counter()
            live = first_answer_with(container.url, athlete, started)
            if live is None:
                missed += 1
            else:
                to_live.append(live)
                after_sync.append(live - (synced - started))
            time.sleep(SETTLE_SECONDS)
        return {
            "edits": EDITS,
            "missed": missed,
            "sync_to_live_s": summary(to_live),
            "reload_after_sync_s": summary(after_sync),
            "idle_cpu_fraction_of_a_core": idle_cpu,
        }
    finally:
        container.remove()


def rebuild_edits(tag):
    """Figure 2: the same edit delivered by `docker build` + replacing the container."""
    context = Path(tempfile.mkdtemp(prefix="bench-context-"))
    try:
        copy_of_source(context)
        for name in ("Dockerfile", ".dockerignore", "pyproject.toml", "uv.lock"):
            shutil.copy(REPO / name, context / name)
        container = Container(build("dev", tag, context), name_prefix="flask-app-bench").wait_ready()
        samples = []
        for number in range(REBUILDS):
            athlete = f"Rebuild {number}"
            (context / "app" / "views.py").write_text(views_answering(athlete))
            started = time.perf_counter()
            build("dev", tag, context)
            container.remove()
            container = Container(tag, name_prefix="flask-app-bench")
            live = first_answer_with(container.url, athlete, started, timeout=120)
            assert live is not None, "the rebuilt container never served the edit"
            samples.append(live)
        container.remove()
        return {"rebuilds": REBUILDS, "edit_to_live_s": summary(samples)}
    finally:
        shutil.rmtree(context, ignore_errors=True)


def run(images):
    """Both figures, measured side by side."""
    synced = sync_edits(images["dev"])
    rebuilt = rebuild_edits("flask-app-bench:rebuild")
    print("1. edit → live in the dev container, synced as `skaffold dev` does")
    print(f"   sync start → new answer:  {seconds(synced['sync_to_live_s'])}")
    print(f"   after the tar is in:      {seconds(synced['reload_after_sync_s'])}")
    print(f"   missed reloads: {synced['missed']} of {synced['edits']};"
          f" reloader idle CPU: {synced['idle_cpu_fraction_of_a_core'] * 100:.2f} % of a core")
    print("2. the same edit by rebuild + container replace")
    print(f"   edit → new answer:        {seconds(rebuilt['edit_to_live_s'])}")
    return {"edit_to_live_sync": synced, "edit_to_live_rebuild": rebuilt}

