"""A loop whose terminal is closed instead of Ctrl-C'd: SIGHUP to the process group of
`make dev` and of `make tilt`. Every process of theirs ends, the resync companion too, and
nothing is left listening where they forwarded; `make dev` removes what it deployed, as on
Ctrl-C."""

import re
import signal

import pytest

from tests.support.http import answers, wait_until
from tests.support.kube import Background, leftovers, run, wait_for_nothing_left, wait_for_ready_pods
from tests.support.servers import free_port

pytestmark = pytest.mark.e2e
DEPLOY_TIMEOUT = 900  # a cold first build installs the dependencies from PyPI
# Where `make tilt` forwards the app.
TILT_APP_PORT = 5000


def test_closing_the_terminal_of_make_dev_ends_it_as_ctrl_c_does(workspace, tool_env, tmp_path_factory):
    dev = Background(["make", "dev"], workspace, tool_env, tmp_path_factory.mktemp("hangup") / "dev.log")
    try:
        dev.wait_for_output(r"Press Ctrl\+C to exit", DEPLOY_TIMEOUT)
        port = int(re.search(r"remote port 5000 -> http://127\.0\.0\.1:(\d+)", dev.output()).group(1))
        assert answers(f"http://127.0.0.1:{port}")
        dev.interrupt(120, signal.SIGHUP)
    finally:
        dev.kill()
    assert not dev.left_running, f"processes of make dev outlived its terminal: {dev.left_running}"
    wait_for_nothing_left(workspace, [port], "closing make dev's terminal")
    assert "Cleaning up..." in dev.output()
    wait_until(lambda: leftovers() == [], 120, interval=1, what="everything make dev deployed being gone")


def test_closing_the_terminal_of_make_tilt_ends_it(workspace, tool_env, tmp_path_factory):
    api_port = free_port()
    up = Background(["make", "tilt", f"TILT_ARGS=--stream --port {api_port}"], workspace, tool_env,
                    tmp_path_factory.mktemp("hangup") / "tilt.log")
    try:
        wait_for_ready_pods(3, DEPLOY_TIMEOUT)
        app = f"http://127.0.0.1:{TILT_APP_PORT}"
        wait_until(lambda: answers(app), 120, interval=0.5, what=f"Tilt forwarding {app}")
        up.interrupt(60, signal.SIGHUP)
        assert not up.left_running, f"processes of make tilt outlived its terminal: {up.left_running}"
        wait_for_nothing_left(workspace, [TILT_APP_PORT, api_port], "closing make tilt's terminal")
    finally:
        up.kill()
        run("tilt", "down", cwd=workspace, env=tool_env, timeout=120)
