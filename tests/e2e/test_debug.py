"""`make debug` (Skaffold) and `make tilt-debug` (Tilt), typed as docs/how-to/debugging.md
gives them: attach with the committed VS Code configuration to the port-forward on
127.0.0.1, stop a request at a breakpoint in app/views.py, save, and stop in the new code
without attaching again; a dependency changed with uv reaches the debug image; the pod still
meets the restricted profile; Ctrl-C (or `make down`) leaves nothing behind."""

import json
import shlex

import pytest

from app import DEFAULT_ATHLETE
from harness.dap import DapError, attach_to_dev_server
from harness.edits import ATHLETE_EXPRESSION, athlete_line, views_answering
from harness.http import Pending, answers, wait_until
from harness.kube import SKAFFOLD_FORWARD, kubectl, leftovers, wait_for_ready_pods
from harness.loop import Background, run
from harness.servers import free_port
from scripts.project import APP_PORT, DEBUG_PORT
from tests.support.dependencies import check_that_uv_changes_reach_every_pod
from tests.support.docs import documented
from tests.support.files import launch_configuration
from tests.support.kube import SKAFFOLD_APP_FORWARD, check_a_clean_stop, pod_logs
from tests.support.pod_security import violations
from tests.support.timeouts import DEPLOY_TIMEOUT, SYNC_TIMEOUT

pytestmark = pytest.mark.e2e
ATTACH_TIMEOUT = 60
# Where `make tilt-debug` forwards the app, as `make tilt` does.
APP_URL = f"http://127.0.0.1:{APP_PORT}"


def attach(workspace, port):
    """Attach as VS Code does with .vscode/launch.json, the breakpoint on the athlete's line."""
    configuration = launch_configuration(workspace, "Attach to the pods")
    assert configuration["connect"] == {"host": "127.0.0.1", "port": 5678}
    views = workspace / "app" / "views.py"
    mappings = [(m["localRoot"], m["remoteRoot"]) for m in configuration["pathMappings"]]
    found = []

    def attached():
        try:
            found.append(attach_to_dev_server(port, {views: [athlete_line(views)]}, mappings))
        except (OSError, DapError):
            return False  # the forward is not up yet
        return True

    wait_until(attached, ATTACH_TIMEOUT, interval=0.5, what=f"debugpy answering on 127.0.0.1:{port}")
    return found[0]


def stop_a_request(debugger, app_url, workspace, line, athlete):
    """GET / stops at the breakpoint in views.py; the frame shows athlete; it then answers."""
    pending = Pending(app_url)
    stop = debugger.stopped()
    assert (stop.path, stop.line) == (str(workspace / "app" / "views.py"), line)
    assert stop.evaluate(ATHLETE_EXPRESSION) == repr(DEFAULT_ATHLETE)
    assert stop.evaluate('__import__("flask").request.path') == "'/'"
    stop.resume()
    reply = pending.result()
    assert (reply.status, reply.json()) == (200, {"athlete": athlete})
    return stop.pid


def debug_session(debugger, app_url, workspace, edit, pod):
    """The session a user has: a stop, a save that goes live, a stop in the new code."""
    line = athlete_line(workspace / "app" / "views.py")
    first_worker = stop_a_request(debugger, app_url, workspace, line, DEFAULT_ATHLETE)
    edit("app/views.py", views_answering("Saved While Debugging"))
    wait_until(lambda: "devserver: reloaded" in pod_logs(pod), SYNC_TIMEOUT, interval=0.2,
               what="the save reloading the dev server in the pod")
    # The replaced worker may take one last connection while its stop signal lands (as in
    # the server layer): the new code is what answers once it has ended.
    debugger.ended(first_worker)
    worker = stop_a_request(debugger, app_url, workspace, line, "Saved While Debugging")
    assert worker != first_worker, "the save was answered by the worker it replaced"


def the_only_pod(timeout=120):
    """The one pod of a debug loop, once ready: (its name, the pod as the API has it). The
    debug mode relaxes nothing of the restricted profile."""
    (pod,) = wait_for_ready_pods(1, timeout)
    found = json.loads(kubectl("get", "pod", pod["name"], "--output", "json"))
    assert violations(found["spec"]) == []
    return pod["name"], found


def test_make_debug_stops_at_a_breakpoint_and_a_save_keeps_the_session(workspace, tool_env, edit,
                                                                      tmp_path_factory):
    debug = Background(shlex.split(documented("docs/how-to/debugging.md", "make debug")), workspace, tool_env,
                       tmp_path_factory.mktemp("debug") / "debug.log")
    try:
        debug.wait_for_output(r"Press Ctrl\+C to exit", DEPLOY_TIMEOUT)
        pod, found = the_only_pod()
        # What IDEs that follow Skaffold's debug events read: a Python runtime on 5678.
        config = json.loads(found["metadata"]["annotations"]["debug.cloud.google.com/config"])
        assert config["flask-app"]["runtime"] == "python" and config["flask-app"]["ports"]["dap"] == 5678
        app = debug.wait_for_output(SKAFFOLD_APP_FORWARD, 60)
        debugger_port = debug.wait_for_output(SKAFFOLD_FORWARD.format(resource=f"pod/{pod}", namespace="default", port=DEBUG_PORT), 60)
        assert "skaffold-debug-support" not in debug.output(), "Skaffold wanted its helper image"
        debugger = attach(workspace, int(debugger_port.group(1)))
        try:
            debug_session(debugger, f"http://127.0.0.1:{app.group(1)}", workspace, edit, pod)
        finally:
            debugger.close()
        # The debug image adds debugpy above the dev image's dependencies: a change reaches it too.
        check_that_uv_changes_reach_every_pod(workspace, tool_env, replicas=1)
        debug.interrupt(120)
    finally:
        debug.kill()
    check_a_clean_stop(debug, workspace, [int(app.group(1)), int(debugger_port.group(1))], "make debug")


def test_make_tilt_debug_stops_at_a_breakpoint_and_a_save_keeps_the_session(workspace, tool_env, edit,
                                                                           tmp_path_factory):
    port, debug_port = free_port(), free_port()
    # The page's command, its port the free one, headless.
    command = documented("docs/how-to/debugging.md", "make tilt-debug DEBUG_PORT=5679",
                         substitute={"5679": str(debug_port)})
    up = Background([*shlex.split(command), f"TILT_ARGS=--stream --port {port}"],
                    workspace, tool_env, tmp_path_factory.mktemp("tilt-debug") / "up.log")
    try:
        pod, _ = the_only_pod(DEPLOY_TIMEOUT)
        wait_until(lambda: answers(APP_URL), ATTACH_TIMEOUT, interval=0.5, what=f"Tilt forwarding {APP_URL}")
        debugger = attach(workspace, debug_port)
        try:
            debug_session(debugger, APP_URL, workspace, edit, pod)
        finally:
            debugger.close()
        up.interrupt(60)
        check_a_clean_stop(up, workspace, [APP_PORT, debug_port], "make tilt-debug", deployed_gone=False)
    finally:
        up.kill()
        run("tilt", "down", cwd=workspace, env=tool_env, timeout=120)
    wait_until(lambda: leftovers() == [], 120, interval=1, what="everything tilt deployed being gone")
