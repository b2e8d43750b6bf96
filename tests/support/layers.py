"""How a test layer that cannot run says so: a loud skip on a laptop, a failure in CI."""

import os

import pytest

SKIPPED = "SKIPPED: "


def cannot_run(what, why, fix):
    """Stop the current test: skip it with the reason, or fail it when CI=true."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} CANNOT RUN IN CI: {why}. {fix}", pytrace=False)
    pytest.skip(f"{what} {SKIPPED}{why}. {fix}")


def one_line_per_reason(report):
    """Give a layer's skip one location, so that pytest's summary says it once for every test."""
    if report.skipped and isinstance(report.longrepr, tuple) and f" {SKIPPED}" in report.longrepr[2]:
        report.longrepr = (os.path.relpath(__file__), 0, report.longrepr[2])
