"""How a test layer that cannot run says so: a loud skip on a laptop, a failure in CI."""

import os

import pytest


def cannot_run(what, why, fix):
    """Stop the current test: skip it with the reason, or fail it when CI=true."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} CANNOT RUN IN CI: {why}. {fix}", pytrace=False)
    pytest.skip(f"{what} SKIPPED: {why}. {fix}")
