"""scripts/tools.py: pinned releases fetched into ./bin, verified, never half-written."""

import json
import platform

import pytest

from harness.servers import free_port
from tests.tools.conftest import PINS, fake_binary, on_path

PLATFORMS = [("linux", "amd64"), ("linux", "arm64"), ("darwin", "amd64"), ("darwin", "arm64")]
EXPECTED_RELEASES = {
    ("minikube", "darwin", "arm64"): "https://storage.googleapis.com/minikube/releases/v1.38.1/minikube-darwin-arm64",
    ("kubectl", "linux", "arm64"): "https://dl.k8s.io/release/v1.37.1/bin/linux/arm64/kubectl",
    ("skaffold", "linux", "amd64"): "https://storage.googleapis.com/skaffold/releases/v2.17.0/skaffold-linux-amd64",
    ("tilt", "darwin", "amd64"):
        "https://github.com/tilt-dev/tilt/releases/download/v0.37.0/tilt.0.37.0.mac.x86_64.tar.gz",
    ("tilt", "linux", "arm64"):
        "https://github.com/tilt-dev/tilt/releases/download/v0.37.0/tilt.0.37.0.linux.arm64.tar.gz",
}
VERSIONS = {"minikube": "1.38.1", "kubectl": "1.37.1", "skaffold": "2.17.0", "tilt": "0.37.0"}


@pytest.mark.parametrize(("tool_name", "os_name", "arch"), sorted(EXPECTED_RELEASES))
def test_release_urls_follow_each_projects_layout(tools, monkeypatch, tool_name, os_name, arch):
    monkeypatch.delenv("TOOLS_MIRROR", raising=False)
    url, checksum_url = tools.TOOLS[tool_name].release(VERSIONS[tool_name], os_name, arch)
    assert url == EXPECTED_RELEASES[(tool_name, os_name, arch)]
    assert checksum_url.startswith(url.rsplit("/", 1)[0] + "/")


@pytest.mark.parametrize(("os_name", "arch"), PLATFORMS)
def test_every_supported_platform_has_a_release_of_every_tool(tools, monkeypatch, os_name, arch):
    monkeypatch.delenv("TOOLS_MIRROR", raising=False)
    for tool in tools.TOOLS.values():
        if tool.url:
            url, checksum_url = tool.release("1.2.3", os_name, arch)
            assert url.startswith("https://") and checksum_url.startswith("https://")
            assert "{" not in url + checksum_url


@pytest.mark.parametrize(("system", "machine", "expected"), [
    ("Linux", "x86_64", ("linux", "amd64")), ("Linux", "aarch64", ("linux", "arm64")),
    ("Darwin", "x86_64", ("darwin", "amd64")), ("Darwin", "arm64", ("darwin", "arm64")),
])
def test_uname_names_map_to_release_names(tools, system, machine, expected):
    assert tools.current_platform(system, machine) == expected


@pytest.mark.parametrize(("system", "machine"), [("Windows", "AMD64"), ("Linux", "riscv64"), ("FreeBSD", "amd64")])
def test_an_unsupported_platform_gets_a_clear_message(tools, monkeypatch, system, machine, capsys):
    monkeypatch.setattr(platform, "system", lambda: system)
    monkeypatch.setattr(platform, "machine", lambda: machine)
    monkeypatch.setenv("TOOLS_BIN", "/nonexistent")
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setenv("SKAFFOLD_VERSION", "2.17.0")
    assert tools.main(["ensure", "skaffold"]) == 1
    message = capsys.readouterr().err
    assert f"{system}/{machine} is not supported" in message
    assert "https://skaffold.dev/docs/install/" in message


def host_platform(tools):
    """The release platform of the machine running the tests."""
    return tools.current_platform()


@pytest.mark.parametrize("tool_name", ["minikube", "kubectl", "skaffold", "tilt"])
def test_a_good_download_installs_a_tool_that_runs(tools, releases, run_tools, tool_name):
    served, _ = releases
    tool = tools.TOOLS[tool_name]
    pin = PINS[tool.pin_variable]
    version_line = f'{{"clientVersion": {{"gitVersion": "v{pin}"}}}}' if tool_name == "kubectl" else f"v{pin}"
    served.add_release(tool, *host_platform(tools), fake_binary(version_line))

    code, output = run_tools("ensure", tool_name)
    assert code == 0, output
    installed = run_tools.bin_dir / tool_name
    assert installed.is_file() and installed.stat().st_mode & 0o111
    assert f"{tool_name}: installed" in output
    code, report = run_tools("doctor", tool_name)
    assert code == 0 and f"meets the pin v{pin}" in report and str(installed) in report
    assert sorted(p.name for p in run_tools.bin_dir.iterdir()) == [tool_name]


def test_a_bad_checksum_is_rejected_and_leaves_nothing(tools, releases, run_tools):
    served, _ = releases
    served.add_release(tools.TOOLS["skaffold"], *host_platform(tools), fake_binary("v2.17.0"), checksum="0" * 64)
    code, output = run_tools("ensure", "skaffold")
    assert code == 1
    assert "checksum mismatch" in output and "deleted" in output
    assert list(run_tools.bin_dir.iterdir()) == []


def test_an_interrupted_download_leaves_no_executable(tools, releases, run_tools):
    served, _ = releases
    served.truncated.add(served.add_release(tools.TOOLS["minikube"], *host_platform(tools), fake_binary("v9.8.7")))
    code, output = run_tools("ensure", "minikube")
    assert code == 1, output
    assert list(run_tools.bin_dir.iterdir()) == []


def test_no_network_is_said_in_one_line_with_what_to_do(run_tools):
    # Nothing listens on that port of 127.0.0.1: the connection is refused, as offline.
    code, output = run_tools("ensure", "minikube", mirror=f"http://127.0.0.1:{free_port()}")
    assert code == 1
    assert ("tools: minikube: cannot download v9.8.7 (no network: Connection refused); install it yourself "
            "from https://minikube.sigs.k8s.io/docs/start/, or start any local cluster and run make dev again") in output
    assert "Traceback" not in output and "urlopen" not in output
    assert not run_tools.bin_dir.exists() or list(run_tools.bin_dir.iterdir()) == []


def test_a_release_that_is_not_there_says_what_the_server_answered(run_tools, releases):
    code, output = run_tools("ensure", "skaffold")
    assert code == 1
    assert "tools: skaffold: cannot download v2.17.0 (" in output and "answered 404" in output
    assert "install it yourself from https://skaffold.dev/docs/install/" in output
    assert "start any local cluster" not in output


def test_a_tool_on_path_at_the_pinned_version_is_not_downloaded(releases, run_tools):
    served, _ = releases
    on_path(run_tools.path_dir, "skaffold", fake_binary("v2.17.0"))
    code, output = run_tools("ensure", "skaffold")
    assert code == 0
    assert "skaffold: using" in output
    assert served.requests == []


def test_a_newer_patch_on_path_is_compatible_but_an_older_minor_is_not(tools, releases, run_tools):
    served, _ = releases
    on_path(run_tools.path_dir, "skaffold", fake_binary("v2.17.3"))
    assert run_tools("ensure", "skaffold")[0] == 0 and served.requests == []

    on_path(run_tools.path_dir, "skaffold", fake_binary("v2.9.0"))
    served.add_release(tools.TOOLS["skaffold"], *host_platform(tools), fake_binary("v2.17.0"))
    code, output = run_tools("ensure", "skaffold")
    assert code == 0, output
    assert (run_tools.bin_dir / "skaffold").is_file()
    code, report = run_tools("doctor", "skaffold")
    assert "meets the pin" in report


def test_docker_is_never_downloaded_and_doctor_says_how_to_get_it(run_tools, releases):
    served, _ = releases
    code, output = run_tools("ensure", "docker")
    assert code == 1 and "docker is not installed" in output
    assert served.requests == []
    code, report = run_tools("doctor", "docker")
    assert code == 1 and "MISSING  docker" in report and "docker" in report.lower()


def test_doctor_reports_missing_tools_with_the_way_to_get_them(run_tools):
    code, report = run_tools("doctor")
    assert code == 1
    assert "MISSING  docker" in report
    for name in ("minikube", "kubectl", "skaffold", "tilt"):
        assert f"missing  {name}" in report
    assert "make dev, make debug and make run fetch v2.17.0 into ./bin" in report


def test_doctor_passes_a_fresh_clone_whose_tools_make_fetches_itself(run_tools):
    """A fresh clone has none of the tools in ./bin: not a problem, the targets fetch them."""
    code, report = run_tools("doctor", "minikube", "kubectl", "skaffold", "tilt")
    assert code == 0, report
    assert "MISSING" not in report
    assert "missing  tilt      no problem: make tilt and make tilt-debug fetch v0.37.0 into ./bin" in report


def test_unknown_tools_are_refused(run_tools):
    assert run_tools("ensure", "helm")[0] == 2
    assert run_tools("frobnicate")[0] == 2


def kubectl_reporting(client, server=None):
    """A fake kubectl whose `version --output=json` reports these client and server versions."""
    versions = {"clientVersion": {"gitVersion": f"v{client}"}}
    if server:
        versions["serverVersion"] = {"gitVersion": f"v{server}"}
    return f"#!/bin/sh\necho '{json.dumps(versions)}'\n".encode()


def test_kubectl_must_be_within_one_minor_of_the_pin(releases, run_tools):
    served, _ = releases
    on_path(run_tools.path_dir, "kubectl", kubectl_reporting("1.36.2"))
    assert run_tools("ensure", "kubectl")[0] == 0 and served.requests == []
    on_path(run_tools.path_dir, "kubectl", kubectl_reporting("1.39.0"))
    code, report = run_tools("doctor", "kubectl")
    assert "does NOT meet the pin v1.37.1" in report


@pytest.mark.parametrize(("client", "server", "flagged"), [
    ("1.37.1", "1.35.4", True), ("1.37.1", "1.36.0", False), ("1.37.1", None, False)])
def test_doctor_flags_a_kubectl_too_far_from_the_running_cluster(run_tools, client, server, flagged):
    on_path(run_tools.path_dir, "kubectl", kubectl_reporting(client, server))
    code, report = run_tools("doctor", "kubectl")
    assert ("SKEW     kubectl" in report) == flagged, report
    assert (code == 1) == flagged
