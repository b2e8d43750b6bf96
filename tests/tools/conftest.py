"""Fixtures for the tool installer: fixture releases served on 127.0.0.1, and a clean PATH."""

import hashlib
import io
import os
import subprocess
import sys
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from scripts import tools as tools_module
from scripts.project import REPO

# The project's entry point, run from the project's folder as the Makefile runs it.
SCRIPTS = [sys.executable, "-m", "scripts"]
PINS = {"MINIKUBE_VERSION": "9.8.7", "SKAFFOLD_VERSION": "2.17.0", "TILT_VERSION": "0.37.0",
        "KUBERNETES_VERSION": "1.37.1"}


def fake_binary(version_line):
    """A tiny executable that prints version_line, whatever it is asked."""
    return f"#!/bin/sh\necho '{version_line}'\n".encode()


def tar_gz(name, content):
    """A .tar.gz holding one executable file."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        member = tarfile.TarInfo(name)
        member.size, member.mode = len(content), 0o755
        archive.addfile(member, io.BytesIO(content))
    return buffer.getvalue()


class Releases:
    """Files served by path; some can be served corrupt or cut short. Records each request."""

    def __init__(self):
        self.files, self.truncated, self.requests = {}, set(), []

    def add(self, url, content):
        """Serve content where the official url's path is."""
        self.files[urlsplit(url).path] = content

    def add_release(self, tool, os_name, arch, binary, checksum=None):
        """Serve tool's release for a platform with its checksum file, as the project publishes them."""
        version = PINS[tool.pin_variable]
        url, checksum_url = (urlsplit(u).path for u in tool.release(version, os_name, arch))
        content = tar_gz(tool.archive_member, binary) if tool.archive_member else binary
        digest = checksum or hashlib.sha256(content).hexdigest()
        file_name = url.rsplit("/", 1)[1]
        self.files[url] = content
        self.files[checksum_url] = f"{digest}  {file_name}\n".encode()
        return url


@pytest.fixture
def releases():
    """A release server on 127.0.0.1; yields (its Releases, its URL)."""
    served = Releases()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            served.requests.append(self.path)
            content = served.files.get(self.path)
            if content is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            if self.path in served.truncated:
                self.wfile.write(content[: len(content) // 2])
                self.close_connection = True
                return
            self.wfile.write(content)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def run_tools(tmp_path, releases):
    """Run scripts/tools.py with only tmp_path/path on PATH and ./bin at tmp_path/bin; downloads
    come from the release server, or from mirror."""
    path_dir = tmp_path / "path"
    path_dir.mkdir()

    def run(*args, mirror=None):
        env = {"PATH": str(path_dir), "HOME": str(tmp_path), "TOOLS_BIN": str(tmp_path / "bin"),
               "TOOLS_MIRROR": mirror or releases[1], **PINS}
        result = subprocess.run([*SCRIPTS, "tools", *args], capture_output=True, text=True, cwd=REPO,
                                env=env, timeout=60)
        return result.returncode, result.stdout + result.stderr

    run.path_dir = path_dir
    run.bin_dir = tmp_path / "bin"
    return run


@pytest.fixture
def tools():
    """scripts/tools.py, imported."""
    return tools_module


def on_path(directory, name, content):
    """Put an executable called name in directory."""
    path = directory / name
    path.write_bytes(content)
    os.chmod(path, 0o755)
    return path


def fakes_on_path(directory, fakes):
    """Write each {name: shell script} of fakes as an executable in directory/fakes; return
    that folder and the empty log file the fakes record their calls in."""
    folder = directory / "fakes"
    folder.mkdir()
    for name, script in fakes.items():
        on_path(folder, name, script.encode())
    log = directory / "calls.log"
    log.write_text("")
    return folder, log
