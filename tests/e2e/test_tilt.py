"""Tilt, as a user runs it: `tilt ci` succeeds; under `make tilt` (headless: `tilt up --stream`)
a save is live-updated into every pod without a new pod, the curl-ingress button works, the
dashboard shows the labels and one link; `make down` removes everything."""

import pytest

from tests.support.edits import errors_refusing_with, views_answering
from tests.support.http import wait_until
from tests.support.kube import (app_pods, forwards_to_each, leftovers, replace_one_and_restart_another, resources, run,
                                tilt, wait_for_every_pod, wait_for_every_pod_to_serve, wait_for_ready_pods)
from tests.support.servers import free_port

pytestmark = pytest.mark.e2e
DEPLOY_TIMEOUT = 900  # a cold first build installs the dependencies from PyPI
SYNC_TIMEOUT = 30


def test_tilt_ci_deploys_with_every_resource_healthy(workspace, tool_env):
    try:
        output = tilt("ci", "--port", str(free_port()), workspace=workspace, env=tool_env, timeout=DEPLOY_TIMEOUT)
        assert "SUCCESS" in output, output
        for name in ("unit-tests", "flask-app"):
            assert name in output
        wait_for_ready_pods(3, 60)
    finally:
        tilt("down", workspace=workspace, env=tool_env)
    wait_until(lambda: leftovers() == [], 120, interval=1, what="everything tilt deployed being gone")


def test_the_dashboard_shows_the_labels_and_one_link_per_address(tilt_up, workspace, tool_env):
    shown = resources(tilt_up, workspace, tool_env)
    assert "app" in shown["flask-app"]["metadata"].get("labels", {})
    assert "tests" in shown["unit-tests"]["metadata"].get("labels", {})
    links = shown["flask-app"]["status"].get("endpointLinks", [])
    assert links == [{"url": "http://localhost:5000/", "name": "favorite athlete"}]


def test_live_update_puts_a_save_into_every_pod_without_a_new_pod(tilt_up, edit):
    before = wait_for_ready_pods(3, 60)
    with forwards_to_each(before) as urls:
        edit("app/views.py", views_answering("Live Updated By Tilt"))
        wait_for_every_pod(urls, "/", {"athlete": "Live Updated By Tilt"}, SYNC_TIMEOUT, "the save in every pod")
    assert app_pods() == before, "a pod was replaced or restarted"


def test_a_replaced_pod_and_a_restarted_container_serve_every_save(tilt_up, edit):
    before = wait_for_ready_pods(3, 60)
    with forwards_to_each(before) as urls:
        edit("app/views.py", views_answering("Saved Before The Fault"))
        edit("app/errors.py", errors_refusing_with("Saved before the fault"))
        wait_for_every_pod_to_serve(urls, "Saved Before The Fault", "Saved before the fault", SYNC_TIMEOUT,
                                    "both saves in every pod")
    _, _, after = replace_one_and_restart_another(before)
    with forwards_to_each(after) as now:
        wait_for_every_pod_to_serve(now, "Saved Before The Fault", "Saved before the fault", SYNC_TIMEOUT,
                                    "both saves in the replaced pod and the restarted container")
        edit("app/views.py", views_answering("Saved After The Fault"))
        wait_for_every_pod_to_serve(now, "Saved After The Fault", "Saved before the fault", SYNC_TIMEOUT,
                                    "the next save in every pod")


def test_the_curl_ingress_button_reaches_the_app(tilt_up, workspace, tool_env):
    tilt("trigger", "curl-ingress", "--port", str(tilt_up), workspace=workspace, env=tool_env)

    def curled():
        status = resources(tilt_up, workspace, tool_env)["curl-ingress"]["status"]
        history = status.get("buildHistory") or [{}]
        return history[0].get("finishTime") is not None, history[0].get("error")

    wait_until(lambda: curled()[0], 60, interval=1, what="the curl-ingress button's run finishing")
    assert curled()[1] in (None, ""), curled()[1]
    log = tilt("logs", "curl-ingress", "--port", str(tilt_up), workspace=workspace, env=tool_env)
    assert '"athlete"' in log, log


def test_make_down_removes_everything(tilt_up, workspace, tool_env):
    run("make", "down", cwd=workspace, env=tool_env)
    wait_until(lambda: leftovers() == [], 120, interval=1, what="everything make tilt deployed being gone")
