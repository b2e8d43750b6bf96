"""Fixtures for the container layer: containers that are removed after each test."""

import pytest

from harness.docker import Container


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
