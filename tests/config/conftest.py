"""Fixtures for the config layer: each configuration file, loaded once."""

import pytest

from harness.files import load_yaml
from scripts.project import MANIFESTS
from tests.support.files import load_dockerfile, load_manifests
from tests.support.real_tools import TiltResult, skaffold_config, tiltfile_result

@pytest.fixture(scope="session")
def manifests():
    """{kind: resource} for the manifests in k8s/."""
    return load_manifests(MANIFESTS)


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
def skaffold_yaml():
    """skaffold.yaml as written: its profiles and how they activate."""
    return load_yaml("skaffold.yaml")


@pytest.fixture(scope="session")
def skaffold():
    """The configuration `skaffold run` uses, as Skaffold reads it."""
    return skaffold_config()


@pytest.fixture(scope="session")
def skaffold_dev():
    """The configuration `skaffold dev` uses (its dev profile on), as Skaffold reads it."""
    return skaffold_config("dev")


@pytest.fixture(scope="session")
def tilt():
    """The Tiltfile's result as Tilt loads it."""
    code, result, err = tiltfile_result()
    assert code == 0, err
    return TiltResult(result)


@pytest.fixture(scope="session")
def dockerfile():
    """The Dockerfile, parsed."""
    return load_dockerfile()
