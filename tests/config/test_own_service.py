"""docs/how-to/own-service.md: its table of the project's names cannot go stale, and its one
command renames the project into one that still passes its consistency checks."""

import re
import subprocess
import sys

from harness.loop import copy_project
from scripts.project import REPO
from tests.support.docs import documented

PAGE = REPO / "docs" / "how-to" / "own-service.md"
# | `name` | what it names | `file`, `folder/`, ... |
ROW = re.compile(r"^\| `([^`]+)` \|[^|]*\|(.+)\|\s*$")
# What the renamed copy must still pass: the unit tests, and every check of one file against another.
CHECKS = ("tests/unit", "tests/config/test_consistency.py", "tests/config/test_one_home.py",
          "tests/config/test_manifests.py", "tests/config/test_skaffold.py", "tests/config/test_tiltfile.py",
          "tests/config/test_lock.py", "tests/config/test_launch_json.py")


def names_table(text):
    """{name: [the files and folders/ the page gives for it]}, from its table of names."""
    table = {}
    for line in text.splitlines():
        found = ROW.match(line)
        if found:
            table[found.group(1)] = re.findall(r"`([^`]+)`", found.group(2))
    return table


def project_files(root):
    """{path: content} of the project's files at root, as git tracks them or would (not the page)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=root,
                            capture_output=True, check=True, timeout=60).stdout.decode().split("\0")
    files = {}
    for name in filter(None, listed):
        path = root / name
        if path.is_file() and not path.is_symlink() and path.resolve() != PAGE.resolve():
            files[name] = path.read_bytes()
    return files


def disagreements(table, files):
    """Where the table and the files disagree: a file that holds a name the table does not give
    for it, and an entry of the table under which no file holds the name."""
    def covers(entry, path):
        return path == entry or (entry.endswith("/") and path.startswith(entry))

    found = []
    for name, entries in table.items():
        holding = [path for path, content in files.items() if name.encode() in content]
        found += [f"{path} holds {name!r}, and the table does not give it" for path in sorted(holding)
                  if not any(covers(entry, path) for entry in entries)]
        found += [f"the table gives {entry} for {name!r}, which holds it nowhere" for entry in entries
                  if not any(covers(entry, path) for path in holding)]
    return found


def test_the_table_gives_every_file_that_holds_a_name_and_no_other():
    table = names_table(PAGE.read_text())
    assert {"flask-app", "favorite-athlete"} <= set(table) and len(table) > 2
    assert disagreements(table, project_files(REPO)) == []


def test_a_name_in_a_file_the_table_does_not_give_fails_and_so_does_a_stale_entry():
    table = {"flask-app": ["k8s/", "Makefile"]}
    files = {"k8s/deployment.yaml": b"name: flask-app", "Makefile": b"IMAGE ?= other", "Tiltfile": b"'flask-app'"}
    assert disagreements(table, files) == [
        "Tiltfile holds 'flask-app', and the table does not give it",
        "the table gives Makefile for 'flask-app', which holds it nowhere",
    ]
    assert names_table("| `flask-app` | the app | `k8s/`, `Makefile` |\n| Name | What | Where |") == table


def test_the_rename_command_leaves_a_project_that_passes_its_checks(tmp_path):
    command = documented("docs/how-to/own-service.md",
                         "git grep -l -z -e flask-app -e favorite-athlete | xargs -0 perl -pi -e "
                         "'s/flask-app/my-app/g; s/favorite-athlete/my-service/g'")
    copy = copy_project(tmp_path / "project")
    subprocess.run(["bash", "-c", command], cwd=copy, check=True, timeout=120)
    left = subprocess.run(["git", "grep", "-l", "-e", "flask-app", "-e", "favorite-athlete"], cwd=copy,
                          capture_output=True, text=True, timeout=60)
    assert left.stdout == ""
    assert "name: my-app-service" in (copy / "k8s" / "service.yaml").read_text()
    assert 'name = "my-service-server"' in (copy / "pyproject.toml").read_text()
    checked = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *CHECKS], cwd=copy,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    assert checked.returncode == 0, checked.stdout[-5000:]
