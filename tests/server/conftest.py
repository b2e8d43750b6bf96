"""Fixtures for the server layer: a private copy of the code to serve and edit."""

import pytest

from harness.servers import copy_of_source


@pytest.fixture
def source(tmp_path):
    """A copy of the served code, so that reload tests can edit it freely."""
    return copy_of_source(tmp_path)
