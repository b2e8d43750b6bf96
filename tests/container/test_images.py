"""What the two images hold and who they run as."""

import pytest

from harness.docker import APP_UID, docker, run_to_exit

pytestmark = pytest.mark.container


@pytest.mark.parametrize("image_fixture", ["dev_image", "prod_image"])
def test_runs_as_the_numeric_non_root_user(request, image_fixture):
    image = request.getfixturevalue(image_fixture)
    assert docker("image", "inspect", "--format", "{{.Config.User}}", image).strip() == f"{APP_UID}:{APP_UID}"
    assert docker("run", "--rm", image, "id", "-u").strip() == str(APP_UID)


def test_prod_holds_no_dev_tooling(prod_image):
    script = (
        "import importlib.util as u, os, sys;"
        "present = [m for m in ('watchdog', 'pip', 'pytest') if u.find_spec(m)];"
        "present += [f for f in ('devserver.py',) if os.path.exists(f)];"
        "print(present); sys.exit(1 if present else 0)"
    )
    docker("run", "--rm", prod_image, "python3", "-c", script)


def test_dev_holds_no_debugger(dev_image):
    # `make debug` builds the debug image, which adds debugpy; `make dev` never loads it.
    script = "import importlib.util as u, sys; sys.exit(1 if u.find_spec('debugpy') else 0)"
    docker("run", "--rm", dev_image, "python3", "-c", script)


def test_dev_can_receive_synced_files(dev_image):
    owner = docker("run", "--rm", dev_image, "stat", "-c", "%u", "/app/app", "/app/app/views.py")
    assert owner.split() == [str(APP_UID)] * 2
    assert docker("run", "--rm", dev_image, "tar", "--version").startswith("tar")


@pytest.mark.parametrize("image_fixture", ["dev_image", "prod_image"])
def test_an_empty_athlete_stops_the_container_with_a_clear_message(request, image_fixture):
    exit_code, output = run_to_exit(request.getfixturevalue(image_fixture), {"FAVORITE_ATHLETE": " "})
    assert exit_code != 0
    assert "FAVORITE_ATHLETE is empty" in output
