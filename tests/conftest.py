"""Fixtures shared by the tests, in the manner of Flask's tutorial."""


import pytest

from app import create_app
from harness.docker import base_image, base_image_problem, build, engine_problem
from tests.support.layers import cannot_run, one_line_per_reason

TEST_ATHLETE = "Test Athlete"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """One summary line for each layer that cannot run, however many tests it holds."""
    report = (yield).get_result()
    one_line_per_reason(report)


@pytest.fixture
def app(monkeypatch):
    """An app configured for tests, whatever the environment says."""
    monkeypatch.delenv("FAVORITE_ATHLETE", raising=False)
    return create_app({"TESTING": True, "FAVORITE_ATHLETE": TEST_ATHLETE})


@pytest.fixture
def client(app):
    """A test client for the app."""
    return app.test_client()


@pytest.fixture(scope="session")
def docker_engine():
    """A Docker engine that answers; in CI its absence fails the run, elsewhere it skips loudly."""
    problem = engine_problem()
    if problem is not None:
        cannot_run("CONTAINER LAYER", problem, "Start Docker (hack/start-docker.sh does it on Debian).")


@pytest.fixture(scope="session")
def base(docker_engine):
    """The base image of both targets, present in the engine (pulled if it must be)."""
    problem = base_image_problem(base_image())
    if problem is not None:
        cannot_run("CONTAINER LAYER", problem, "Set BASE_IMAGE to a local image with python3 and its venv module "
                   "(hack/build-base-image.sh builds one)")
    return base_image()


@pytest.fixture(scope="session")
def dev_image(base):
    """The dev target, built from the working tree."""
    return build("dev", "flask-app-test:dev")


@pytest.fixture(scope="session")
def prod_image(base):
    """The prod target, built from the working tree."""
    return build("prod", "flask-app-test:prod")
