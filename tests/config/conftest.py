"""Fixtures for the config layer: each configuration file, loaded once."""

import pytest

from tests.support.edits import REPO
from tests.support.files import MANIFEST_PATHS, load_dockerfile, load_manifests, load_yaml
from tests.support.tilt import run_tiltfile

@pytest.fixture(scope="session")
def manifests():
    """{kind: resource} for the manifests in k8s/."""
    return load_manifests(MANIFEST_PATHS)


@pytest.fixture(scope="session")
def deployment(manifests):
    """The Deployment flask-app."""
    return manifests["Deployment"]


@pytest.fixture(scope="session")
def container(deployment):
    """The Deployment's only container."""
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    return only


@pytest.fixture(scope="session")
def skaffold():
    """skaffold.yaml as written."""
    return load_yaml("skaffold.yaml")


@pytest.fixture(scope="session")
def tilt():
    """What the Tiltfile calls when Tilt runs it."""
    return run_tiltfile(REPO / "Tiltfile")


@pytest.fixture(scope="session")
def dockerfile():
    """The Dockerfile, parsed."""
    return load_dockerfile()
