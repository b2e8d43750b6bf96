"""No secret in the repo: a maintained scanner over every file, and no registry login anywhere."""

import json
import subprocess
import sys
from pathlib import Path

from tests.support.edits import REPO

DETECT_SECRETS = Path(sys.executable).parent / "detect-secrets"
# Spelt in two parts so that this file does not contain what it looks for.
REGISTRY_LOGIN = "docker " + "login"


def repo_files():
    """Every file git tracks or would track, relative to the repo."""
    listing = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                             cwd=REPO, capture_output=True, text=True, check=True).stdout
    return [path for path in listing.splitlines() if (REPO / path).is_file()]


def secrets_in(directory, files):
    """What detect-secrets finds in files under directory: {file: [secret types]}."""
    result = subprocess.run([str(DETECT_SECRETS), "scan", *files], cwd=directory,
                            capture_output=True, text=True, check=True)
    found = json.loads(result.stdout)["results"]
    return {path: [secret["type"] for secret in secrets] for path, secrets in found.items()}


def test_detect_secrets_finds_nothing():
    assert secrets_in(REPO, repo_files()) == {}


def test_the_scanner_would_see_a_secret(tmp_path):
    # Assembled here, so that this file holds no secret of its own.
    leaked = "pass" + 'word = "hunter2-correct-horse-battery"\n' + "aws_key = AKIA" + "IOSFODNN7EXAMPLE\n"
    (tmp_path / "deploy.sh").write_text(leaked)
    assert set(secrets_in(tmp_path, ["deploy.sh"])["deploy.sh"]) >= {"Secret Keyword", "AWS Access Key"}


def test_nothing_logs_in_to_a_registry():
    for path in repo_files():
        text = (REPO / path).read_text(errors="ignore").lower()
        assert REGISTRY_LOGIN not in text, path
