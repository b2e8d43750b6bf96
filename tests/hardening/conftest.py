"""Fixtures for the hardening layer: the prod server, in a container where Docker answers."""

import pytest

from harness.docker import engine_problem
from harness.http import wait_until
from harness.servers import copy_of_source
from tests.support.files import prod_default
from tests.support.prod import ContainerTarget, HostTarget, wait_for_workers


@pytest.fixture(scope="module")
def start_prod(request, tmp_path_factory):
    """Start prod servers (removed after the module): the image if Docker answers, else serve.py here."""
    started = []

    def start(env=None):
        if engine_problem() is None:
            target = ContainerTarget(request.getfixturevalue("prod_image"), env)
        else:
            print("HARDENING LAYER: no Docker engine, testing serve.py on the host instead of the image")
            target = HostTarget(copy_of_source(tmp_path_factory.mktemp("prod")), env)
        started.append(target)
        # Ready means one worker answers; the tests need every worker booted.
        workers = int((env or {}).get("WEB_CONCURRENCY", prod_default("WEB_CONCURRENCY")))
        wait_for_workers(target, workers)
        wait_until(lambda: len(target.pids()) == 1 + workers, 30, what=f"{workers} Granian worker processes")
        return target

    yield start
    for target in started:
        target.remove()


@pytest.fixture(scope="module")
def prod(start_prod):
    """One prod server shared by a module's tests, so that they also show it survives them all."""
    return start_prod()
