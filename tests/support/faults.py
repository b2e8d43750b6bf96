"""The fault scenario each loop's e2e test runs: after a save, a pod replaced and another's
container restarted, and both serve it and the next one (scripts/resync.py gives them the saves
under Skaffold; Tilt copies into a new container itself)."""

import re

from harness.edits import errors_refusing_with, views_answering
from harness.http import wait_until
from harness.kube import app_pods, forwards_to_each, replace_pod, restart_container, wait_for_ready_pods
from tests.support.kube import wait_for_every_pod_to_serve
from tests.support.timeouts import SYNC_TIMEOUT


def replace_one_and_restart_another(pods, timeout=120):
    """Replace the first pod and restart the second's container; return (replaced pod,
    restarted pod, the ready pods after)."""
    replaced, restarted = pods[0]["name"], pods[1]["name"]
    replace_pod(replaced)
    restart_container(restarted)
    wait_until(lambda: any(pod["name"] == restarted and pod["restarts"] > 0 for pod in app_pods()), timeout,
               interval=0.5, what=f"{restarted} restarting")
    after = wait_for_ready_pods(len(pods), timeout)
    assert replaced not in {pod["name"] for pod in after}, f"{replaced} was not replaced"
    return replaced, restarted, after


def check_that_a_replaced_pod_and_a_restarted_container_serve_every_save(before, edit, output=None):
    """Two saves live in the pods before; then the first pod replaced and the second's container
    restarted: every pod serves both saves, and the next one. output, the loop's output so far
    (a function), where the loop names each pod it gave the saves to, as Skaffold's companion
    does; None where the tool copies into a new container itself and names none (Tilt)."""
    with forwards_to_each(before) as urls:
        edit("app/views.py", views_answering("Saved Before The Fault"))
        edit("app/errors.py", errors_refusing_with("Saved before the fault"))
        wait_for_every_pod_to_serve(urls, "Saved Before The Fault", "Saved before the fault", SYNC_TIMEOUT,
                                    "both saves in every pod")
    since = len(output()) if output else 0
    _, restarted, after = replace_one_and_restart_another(before)
    with forwards_to_each(after) as now:
        wait_for_every_pod_to_serve(now, "Saved Before The Fault", "Saved before the fault", SYNC_TIMEOUT,
                                    "both saves in the replaced pod and the restarted container")
        if output:
            said = output()[since:]
            new_pod = next(pod["name"] for pod in after if pod["name"] not in {pod["name"] for pod in before})
            for pod, why in ((new_pod, "new container"), (restarted, "restarted container")):
                assert re.search(rf"resync: synced app/ into {pod} \({why}\): 2 file", said), said[-3000:]
        edit("app/views.py", views_answering("Saved After The Fault"))
        wait_for_every_pod_to_serve(now, "Saved After The Fault", "Saved before the fault", SYNC_TIMEOUT,
                                    "the next save in every pod")
