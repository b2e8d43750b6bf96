"""docs/tutorial.md, followed as a reader does, with the commands and the code taken from the
page: `make dev`, curl, the route it has you add, the save it has you break and mend, then
`make debug` and a stop at a breakpoint in that route through the committed VS Code
configuration."""

import json
import re
import shlex
import subprocess

import pytest

from app import DEFAULT_ATHLETE
from harness.dap import attach_to_dev_server
from harness.http import wait_until
from harness.kube import app_pods, kubectl
from harness.loop import Background
from scripts.project import DEBUG_PORT, REPO
from tests.support.docs import documented, shown_output
from tests.support.files import launch_configuration
from tests.support.kube import check_a_clean_stop
from tests.support.timeouts import DEPLOY_TIMEOUT, SYNC_TIMEOUT

pytestmark = pytest.mark.e2e
PAGE = "docs/tutorial.md"
TEXT = (REPO / PAGE).read_text()
# The confirmation gives up on a pod after 10 s (scripts/confirm.py); then it names it.
GIVE_UP_TIMEOUT = 30


def the_route():
    """The code the tutorial has the reader add to app/views.py: its first Python block."""
    return re.search(r"```python\n(.*?)```", TEXT, re.S).group(1)


def the_line_to_break():
    """The statement whose closing } the tutorial has the reader delete."""
    return re.search(r"Delete the closing `}` of `(.*?)`", TEXT).group(1)


def shown(command):
    """The JSON the page shows under a curl command of it."""
    return json.loads("\n".join(shown_output(PAGE, command)))


def curl(command):
    """Run a curl command of the page; its answer as JSON."""
    return json.loads(subprocess.run(shlex.split(command), capture_output=True, text=True, check=True,
                                     timeout=30).stdout)


def answering(command):
    """The JSON curl command gets, once the loop's port-forward answers it."""
    found = []

    def answered():
        try:
            found.append(curl(command))
        except (subprocess.CalledProcessError, json.JSONDecodeError):
            return False
        return True

    wait_until(answered, 60, interval=0.5, what=f"{command} answering")
    return found[0]


def start(command, workspace, tool_env, log):
    """A command of the page, started in the copy of the project."""
    return Background(shlex.split(command), workspace, tool_env, log)


def live_line_after(loop, since):
    return loop.wait_for_output(r"resync: live: app/views\.py in 3/3 pods, [\d.]+ s after the save",
                                SYNC_TIMEOUT, since=since)


def test_the_tutorial_from_make_dev_to_a_breakpoint(workspace, tool_env, edit, tmp_path_factory):
    logs = tmp_path_factory.mktemp("tutorial")
    root = documented("docs/tutorial.md", "curl http://127.0.0.1:5000/")
    hello = documented("docs/tutorial.md", "curl http://127.0.0.1:5000/hello")
    views = (workspace / "app" / "views.py").read_text()
    with_route = views.rstrip("\n") + "\n\n\n" + the_route()
    line = the_line_to_break()
    assert line in with_route, f"the tutorial breaks {line!r}, which its route does not hold"

    dev = start(documented("docs/tutorial.md", "make dev"), workspace, tool_env, logs / "dev.log")
    try:
        dev.wait_for_output(r"Press Ctrl\+C to exit", DEPLOY_TIMEOUT)
        assert re.search(r"^cluster: using the current context", dev.output(), re.M)
        assert "remote port 5000 -> http://127.0.0.1:5000" in dev.output()
        assert answering(root) == shown(root) == {"athlete": DEFAULT_ATHLETE}

        since = len(dev.output())
        edit("app/views.py", with_route)
        live_line_after(dev, since)
        assert curl(hello) == shown(hello)

        since = len(dev.output())
        edit("app/views.py", with_route.replace(line, line.removesuffix("}")))
        dev.wait_for_output(r"resync: not live: app/views\.py in 0/3 pods after [\d.]+ s: \S+ still serves the "
                            r"previous code: SyntaxError: '\{' was never closed", GIVE_UP_TIMEOUT, since=since)
        # Each pod says so in its log; Skaffold may leave the line out (muted until its copy
        # into every pod is done: docs/explanation/loop.md#skaffolds-muted-logs).
        for pod in app_pods():
            assert "devserver: the changed code does not start (see above); still serving the previous version" \
                in kubectl("logs", pod["name"]), f"{pod['name']} did not say that the broken save does not start"
        assert curl(hello) == shown(hello), "the broken save took the last good code away"

        since = len(dev.output())
        edit("app/views.py", with_route)
        live_line_after(dev, since)
        dev.interrupt(120)
    finally:
        dev.kill()
    check_a_clean_stop(dev, workspace, [5000], "make dev")

    debug = start(documented("docs/tutorial.md", "make debug"), workspace, tool_env, logs / "debug.log")
    try:
        debug.wait_for_output(rf"remote port {DEBUG_PORT} -> http://127.0.0.1:{DEBUG_PORT}", DEPLOY_TIMEOUT)
        answering(root)
        configuration = launch_configuration(workspace, "Attach to the pods")
        mappings = [(m["localRoot"], m["remoteRoot"]) for m in configuration["pathMappings"]]
        path = workspace / "app" / "views.py"
        breakpoint_line = path.read_text().splitlines().index("    " + line) + 1
        debugger = attach_to_dev_server(configuration["connect"]["port"], {path: [breakpoint_line]}, mappings)
        try:
            request = subprocess.Popen(shlex.split(hello), stdout=subprocess.PIPE, text=True)
            stop = debugger.stopped()
            assert (stop.path, stop.line) == (str(path), breakpoint_line)
            assert request.poll() is None, "the request was answered while the debugger held it"
            stop.resume()
            assert json.loads(request.communicate(timeout=30)[0]) == shown(hello)
        finally:
            debugger.close()
        debug.interrupt(120)
    finally:
        debug.kill()
    check_a_clean_stop(debug, workspace, [5000, DEBUG_PORT], "make debug")
