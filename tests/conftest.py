"""Fixtures shared by the tests, in the manner of Flask's tutorial."""

import os

import pytest

from app import create_app

TEST_ATHLETE = "Test Athlete"


@pytest.fixture
def app(monkeypatch):
    """An app configured for tests, whatever the environment says."""
    monkeypatch.delenv("FAVORITE_ATHLETE", raising=False)
    return create_app({"TESTING": True, "FAVORITE_ATHLETE": TEST_ATHLETE})


@pytest.fixture
def client(app):
    """A test client for the app."""
    return app.test_client()


# The end-to-end check needs a cluster: only `make e2e` (E2E=1) collects it.
collect_ignore = [] if os.environ.get("E2E") == "1" else ["e2e"]
