"""Fixtures for the container layer: a Docker engine and the two images built once."""

import pytest

from tests.support.docker import Container, build, engine_problem
from tests.support.layers import cannot_run

pytestmark = pytest.mark.container


@pytest.fixture(scope="session")
def docker_engine():
    """A Docker engine that answers; in CI its absence fails the run, elsewhere it skips loudly."""
    problem = engine_problem()
    if problem is not None:
        cannot_run("CONTAINER LAYER", problem, "Start Docker (scripts/start-docker.sh does it on Debian).")


@pytest.fixture(scope="session")
def dev_image(docker_engine):
    """The dev target, built from the working tree."""
    return build("dev", "flask-app-test:dev")


@pytest.fixture(scope="session")
def prod_image(docker_engine):
    """The prod target, built from the working tree."""
    return build("prod", "flask-app-test:prod")


@pytest.fixture
def run_container():
    """Start containers that are removed when the test ends."""
    started = []

    def run(image, env=None):
        container = Container(image, env)
        started.append(container)
        return container.wait_ready()

    yield run
    for container in started:
        container.remove()
