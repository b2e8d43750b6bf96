"""The dev image: serves the contract and reloads a file synced in as Skaffold does."""

import time

import pytest

from harness.docker import APP_UID
from harness.edits import broken_views, views_answering
from harness.http import answers, wait_until
from tests.support.contract import check_contract

pytestmark = pytest.mark.container
RELOAD_TIMEOUT = 10
SYNCED_VIEWS = "/app/app/views.py"


def test_serves_the_contract_as_non_root(dev_image, run_container):
    container = run_container(dev_image, {"FAVORITE_ATHLETE": "Container Dev"})
    check_contract(container.url, "Container Dev")
    assert container.process_uids() == {str(APP_UID)}
    assert "GET / 200" in container.logs()


def test_a_synced_file_is_served_without_a_rebuild_or_restart(dev_image, run_container):
    container = run_container(dev_image)
    started_at = container.state()["StartedAt"]

    started = time.monotonic()
    container.sync({SYNCED_VIEWS: views_answering("Synced In")})
    wait_until(
        lambda: answers(container.url, "/", {"athlete": "Synced In"}),
        RELOAD_TIMEOUT,
        what="the synced file going live",
    )
    print(f"synced file live after {time.monotonic() - started:.3f} s")

    state = container.state()
    assert state["Running"] and state["StartedAt"] == started_at
    wait_until(lambda: "devserver: reloaded" in container.logs(), RELOAD_TIMEOUT, what="the reload being logged")


def test_a_broken_sync_keeps_serving_and_a_fix_recovers(dev_image, run_container):
    container = run_container(dev_image, {"FAVORITE_ATHLETE": "Still Here"})
    container.sync({SYNCED_VIEWS: broken_views()})
    wait_until(lambda: "does not start" in container.logs(), RELOAD_TIMEOUT, what="the failed reload being reported")
    assert answers(container.url, "/", {"athlete": "Still Here"})

    container.sync({SYNCED_VIEWS: views_answering("Fixed")})
    wait_until(lambda: answers(container.url, "/", {"athlete": "Fixed"}), RELOAD_TIMEOUT, what="the fix going live")


def test_docker_stop_ends_it_cleanly(dev_image, run_container):
    seconds, exit_code = run_container(dev_image).stop()
    assert exit_code == 0
    assert seconds < 10, "SIGTERM was ignored until docker stop's deadline"
