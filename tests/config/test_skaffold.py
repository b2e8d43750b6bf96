"""skaffold.yaml: valid against the official v4beta14 schema, in every profile, and what it does."""

import json
import os
from pathlib import Path

import jsonpatch
import jsonschema
import pytest

from tests.support.files import MANIFEST_PATHS, command_words, skaffold_profile, with_profile
from tests.support.layers import cannot_run

SCHEMA_VARIABLE = "SKAFFOLD_SCHEMA"


@pytest.fixture(scope="module")
def schema_path():
    """Where Skaffold's own JSON schema is: $SKAFFOLD_SCHEMA."""
    path = os.environ.get(SCHEMA_VARIABLE)
    if not path:
        cannot_run("SKAFFOLD SCHEMA CHECK", f"${SCHEMA_VARIABLE} is not set",
                   "Point it at skaffold-v4beta14.schema.json.")
    return Path(path)


@pytest.fixture(scope="module")
def schema(schema_path):
    """Skaffold's own JSON schema."""
    return json.loads(schema_path.read_text())


def errors(schema, config):
    """The schema's complaints about config."""
    return [error.message for error in jsonschema.Draft7Validator(schema).iter_errors(config)]


def test_uses_the_schema_version_it_is_checked_against(skaffold, schema_path):
    assert skaffold["apiVersion"] == "skaffold/v4beta14"
    assert schema_path.name.startswith("skaffold-v4beta14."), "the schema is not the one for this apiVersion"


@pytest.mark.parametrize("active", [None, "dev", "remote"])
def test_is_valid_in_every_profile(skaffold, schema, active):
    config = skaffold if active is None else with_profile(skaffold, active)
    assert errors(schema, config) == []


def test_schema_check_rejects_an_unknown_field(skaffold, schema):
    broken = jsonpatch.apply_patch(skaffold, [{"op": "add", "path": "/build/artifacts/0/docker/targt", "value": "x"}])
    assert errors(schema, broken)


def test_builds_locally_without_pushing_or_credentials(skaffold):
    assert skaffold["build"]["local"]["push"] is False
    (artifact,) = skaffold["build"]["artifacts"]
    assert artifact["image"] == "flask-app"
    assert artifact["docker"]["target"] == "prod"


def test_dev_profile_activates_for_skaffold_dev_with_the_dev_target_and_sync(skaffold):
    assert skaffold_profile(skaffold, "dev")["activation"] == [{"command": "dev"}]
    (artifact,) = with_profile(skaffold, "dev")["build"]["artifacts"]
    assert artifact["docker"]["target"] == "dev"
    assert artifact["sync"]["manual"] == [{"src": "app/**/*.py", "dest": "/app"}]


def test_run_has_no_sync(skaffold):
    assert "sync" not in skaffold["build"]["artifacts"][0]


def test_remote_profile_pushes(skaffold):
    assert with_profile(skaffold, "remote")["build"]["local"]["push"] is True


def test_deploys_the_raw_manifests_with_kubectl(skaffold):
    assert skaffold["manifests"]["rawYaml"] == list(MANIFEST_PATHS)
    assert "kubectl" in skaffold["deploy"]


def test_waits_for_the_ingress_controller_before_deploying(skaffold):
    (hook,) = skaffold["deploy"]["kubectl"]["hooks"]["before"]
    assert command_words(hook["host"]["command"]) == ["sh", "scripts/wait-for-ingress.sh"]


def test_port_forwards_the_service(skaffold):
    assert skaffold["portForward"] == [
        {"resourceType": "service", "resourceName": "flask-app-service", "port": 5000, "localPort": 5000}
    ]
