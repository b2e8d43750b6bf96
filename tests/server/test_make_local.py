"""`make local`, as docs/how-to/change-athlete.md and docs/how-to/platforms.md have a reader
type it: the dev server on 127.0.0.1 with the athlete and the port of its command line, an
empty athlete refused. It runs in a copy of the project that uses this repo's venv."""

import os
import shlex
import shutil
import subprocess
from contextlib import contextmanager

import pytest

from app import DEFAULT_ATHLETE
from harness.http import answers, wait_until
from harness.loop import Background, copy_project, tool_env
from harness.servers import free_port
from scripts.project import REPO
from tests.support.docs import documented
from tests.support.layers import cannot_run

pytestmark = pytest.mark.server
START_TIMEOUT = 30
REFUSAL = "app.ConfigError: FAVORITE_ATHLETE is empty; set it to a name or unset it"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A copy of the project whose venv, this repo's, make takes as up to date: `make local`
    then starts the server and installs nothing."""
    installed = REPO / ".venv" / ".installed"
    if not installed.exists():
        cannot_run("MAKE LOCAL TEST", f"{installed} is missing", "`make venv` makes it")
    copy = copy_project(tmp_path_factory.mktemp("local"))
    before = installed.stat().st_mtime - 1
    for name in ("pyproject.toml", "uv.lock"):
        os.utime(copy / name, (before, before))
    return copy


@pytest.fixture
def env():
    """make's environment in the copy (this repo's venv), with no athlete of the caller's."""
    environment = tool_env()
    environment.pop("FAVORITE_ATHLETE", None)
    return environment


def wait_for_answer(local, url, athlete):
    def answered():
        assert local.process.poll() is None, f"make local exited:\n{local.output()}"
        return answers(url, "/", {"athlete": athlete})

    wait_until(answered, START_TIMEOUT, interval=0.2, what=f"make local answering {athlete!r} on {url}")


@contextmanager
def make_local(command, project, env, log):
    """The command running as in a terminal (harness.loop.Background); Ctrl-C'd after the block."""
    local = Background(shlex.split(command), project, env, log)
    try:
        yield local
    finally:
        local.interrupt(30)


def test_make_local_serves_the_athlete_of_its_command_line(project, env, tmp_path):
    if shutil.which("curl") is None:
        cannot_run("MAKE LOCAL TEST", "curl is not installed", "Install curl from your package manager")
    port = free_port()
    command = documented("docs/how-to/change-athlete.md", 'make local FAVORITE_ATHLETE="Roger Federer"')
    log = tmp_path / "local.log"
    # The page's command on a free port, where it says 5000 (the Makefile's PORT).
    with make_local(f"{command} PORT={port}", project, env, log) as local:
        wait_for_answer(local, f"http://127.0.0.1:{port}", "Roger Federer")
        curl = documented("docs/how-to/change-athlete.md", "curl -s http://127.0.0.1:5000/",
                          substitute={"5000": str(port)})
        result = subprocess.run(shlex.split(curl), capture_output=True, text=True, timeout=30)
        assert result.stdout.strip() == '{"athlete":"Roger Federer"}'
    assert f"serving on http://127.0.0.1:{port}" in log.read_text()


def test_make_local_refuses_an_empty_athlete(project, env, tmp_path):
    command = documented("docs/how-to/change-athlete.md", "make local FAVORITE_ATHLETE=")
    result = subprocess.run([*shlex.split(command), f"PORT={free_port()}"], cwd=project, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
    assert result.returncode != 0
    assert REFUSAL in result.stdout


def test_make_local_takes_the_port_of_its_command_line(project, env, tmp_path):
    port = free_port()
    command = documented("docs/how-to/platforms.md", "make local PORT=5005", substitute={"5005": str(port)})
    log = tmp_path / "local.log"
    with make_local(command, project, env, log) as local:
        wait_for_answer(local, f"http://127.0.0.1:{port}", DEFAULT_ATHLETE)
