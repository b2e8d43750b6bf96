"""The prod image: Granian serves the contract and stops cleanly on SIGTERM."""

import pytest

from harness.docker import APP_UID
from tests.support.contract import check_contract

pytestmark = pytest.mark.container


def test_serves_the_contract(prod_image, run_container):
    container = run_container(prod_image, {"FAVORITE_ATHLETE": "Container Prod"})
    check_contract(container.url, "Container Prod")
    assert container.process_uids() == {str(APP_UID)}
    assert "GET / 200" in container.logs()


def test_docker_stop_ends_it_cleanly_and_promptly(prod_image, run_container):
    container = run_container(prod_image, {"GRACEFUL_TIMEOUT": "5"})
    seconds, exit_code = container.stop(timeout=30)
    assert exit_code == 0
    assert seconds < 10, "SIGTERM was not handled: docker stop had to wait for its deadline"
    assert "Shutting down" in container.logs()
