"""No secret in the repo or its history: a maintained scanner (detect-secrets) over every file
and every past version, and no registry login anywhere."""

import json
import subprocess
import sys
from pathlib import Path

from scripts.project import REPO

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


def history_blobs(destination):
    """Write every file version in the git history under destination; return their paths."""
    listing = subprocess.run(["git", "rev-list", "--all", "--objects"], cwd=REPO,
                             capture_output=True, text=True, check=True).stdout
    named = [line.split(" ", 1) for line in listing.splitlines() if " " in line]
    batch = subprocess.run(["git", "cat-file", "--batch"], cwd=REPO, capture_output=True, check=True,
                           input="".join(f"{sha}\n" for sha, _ in named).encode()).stdout
    written, position = [], 0
    for sha, path in named:
        header_end = batch.index(b"\n", position)
        _, kind, size = batch[position:header_end].split()
        content = batch[header_end + 1:header_end + 1 + int(size)]
        position = header_end + 1 + int(size) + 1
        if kind == b"blob":
            target = destination / sha / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            written.append(str(target.relative_to(destination)))
    return written


def test_no_secret_anywhere_in_the_git_history(tmp_path):
    blobs = history_blobs(tmp_path)
    assert blobs, "no history to scan"
    assert secrets_in(tmp_path, blobs) == {}
    for blob in blobs:
        assert REGISTRY_LOGIN not in (tmp_path / blob).read_text(errors="ignore").lower(), blob
