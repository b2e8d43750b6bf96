"""A loop whose terminal is closed instead of Ctrl-C'd: SIGHUP to the process group of
`make dev` and of `make tilt`. Every process of theirs ends, the resync companion too, and
nothing is left listening where they forwarded; `make dev` removes what it deployed, as on
Ctrl-C."""

import re
import signal

import pytest

from harness.http import answers, wait_until
from harness.kube import wait_for_ready_pods
from harness.loop import Background, run
from harness.servers import free_port
from scripts.project import APP_PORT
from tests.support.kube import SKAFFOLD_APP_FORWARD, check_a_clean_stop
from tests.support.timeouts import DEPLOY_TIMEOUT

pytestmark = pytest.mark.e2e


def test_closing_the_terminal_of_make_dev_ends_it_as_ctrl_c_does(workspace, tool_env, tmp_path_factory):
    dev = Background(["make", "dev"], workspace, tool_env, tmp_path_factory.mktemp("hangup") / "dev.log")
    try:
        dev.wait_for_output(r"Press Ctrl\+C to exit", DEPLOY_TIMEOUT)
        port = int(re.search(SKAFFOLD_APP_FORWARD, dev.output()).group(1))
        assert answers(f"http://127.0.0.1:{port}")
        dev.interrupt(120, signal.SIGHUP)
    finally:
        dev.kill()
    check_a_clean_stop(dev, workspace, [port], "make dev, its terminal closed")


def test_closing_the_terminal_of_make_tilt_ends_it(workspace, tool_env, tmp_path_factory):
    api_port = free_port()
    up = Background(["make", "tilt", f"TILT_ARGS=--stream --port {api_port}"], workspace, tool_env,
                    tmp_path_factory.mktemp("hangup") / "tilt.log")
    try:
        wait_for_ready_pods(3, DEPLOY_TIMEOUT)
        app = f"http://127.0.0.1:{APP_PORT}"
        wait_until(lambda: answers(app), 120, interval=0.5, what=f"Tilt forwarding {app}")
        up.interrupt(60, signal.SIGHUP)
        check_a_clean_stop(up, workspace, [APP_PORT, api_port], "make tilt, its terminal closed",
                           deployed_gone=False)
    finally:
        up.kill()
        run("tilt", "down", cwd=workspace, env=tool_env, timeout=120)
