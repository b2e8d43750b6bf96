"""Fixtures for the container layer: a Docker engine and the two images built once."""

import os

import pytest

from tests.support.docker import Container, build, engine_problem

pytestmark = pytest.mark.container


@pytest.fixture(scope="session")
def docker_engine():
    """A Docker engine that answers; in CI its absence fails the run, elsewhere it skips loudly."""
    problem = engine_problem()
    if problem is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CONTAINER LAYER CANNOT RUN in CI: {problem}. .ci/run must start dockerd.")
    pytest.skip(f"CONTAINER LAYER SKIPPED: {problem} (start Docker, or see scripts/start-docker.sh)")


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
