"""The command-line tools of the Kubernetes loop: find them, or fetch the pinned release.

Usage (python3 -m scripts tools ...):
  tools doctor [TOOL ...]   say where each tool is, its version and whether it meets the pin;
                            fails only on what make cannot fetch (docker) or a kubectl skew
  tools ensure TOOL ...     make each tool available: on PATH at a compatible version, or
                            downloaded into ./bin from its official release, checksum verified

The pins come from versions.env (MINIKUBE_VERSION, SKAFFOLD_VERSION, TILT_VERSION, and
KUBERNETES_VERSION for kubectl, which must match the cluster that minikube starts); the
same variable in the environment takes precedence (the tests pin fixture releases so). A pin
is a minimum: a copy of the same major version, not older, is used as it is (kubectl: within
one minor version). TOOLS_BIN overrides ./bin; TOOLS_MIRROR
replaces the scheme and host of every download URL (the tests serve fixture releases on
127.0.0.1).
"""

import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from . import versions
from .project import REPO

SUPPORTED_OS = {"Linux": "linux", "Darwin": "darwin"}
SUPPORTED_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
CHUNK = 1 << 16


class ToolError(Exception):
    """Something the person running make must read and act on."""


@dataclass(frozen=True)
class Tool:
    """A tool: how to ask its version, where its releases are, how they are checksummed."""

    name: str
    version_args: tuple
    install: str
    url: str = ""            # the release; {version} {os} {arch} {tilt_os} {tilt_arch}
    checksum_url: str = ""   # the file that holds its SHA-256
    archive_member: str = ""  # set when the release is a .tar.gz holding the binary
    pin: str = ""            # the variable that pins it; default NAME_VERSION
    # How many minor versions a found copy may be away from the pin (None: any newer one
    # of the same major). kubectl supports a cluster one minor version away, no more.
    minor_skew: int = None

    @property
    def pin_variable(self):
        """The variable (versions.env, or the environment) that pins this tool's version."""
        return self.pin or f"{self.name.upper()}_VERSION"

    def compatible(self, found, pinned):
        """Whether a found version can stand in for the pinned one."""
        if found is None or found[0] != pinned[0]:
            return False
        if self.minor_skew is None:
            return found >= pinned
        return abs(found[1] - pinned[1]) <= self.minor_skew

    def release(self, version, os_name, arch):
        """The download URL and checksum URL for one version and platform."""
        names = {"version": version, "os": os_name, "arch": arch,
                 "tilt_os": {"darwin": "mac"}.get(os_name, os_name),
                 "tilt_arch": {"amd64": "x86_64"}.get(arch, arch)}
        return mirrored(self.url.format(**names)), mirrored(self.checksum_url.format(**names))


TOOLS = {tool.name: tool for tool in (
    Tool("docker", ("version", "--format", "{{.Client.Version}}"), "https://docs.docker.com/get-docker/"),
    Tool("minikube", ("version", "--short"), "https://minikube.sigs.k8s.io/docs/start/",
         url="https://storage.googleapis.com/minikube/releases/v{version}/minikube-{os}-{arch}",
         checksum_url="https://storage.googleapis.com/minikube/releases/v{version}/minikube-{os}-{arch}.sha256"),
    Tool("kubectl", ("version", "--client", "--output=json"), "https://kubernetes.io/docs/tasks/tools/",
         url="https://dl.k8s.io/release/v{version}/bin/{os}/{arch}/kubectl",
         checksum_url="https://dl.k8s.io/release/v{version}/bin/{os}/{arch}/kubectl.sha256",
         pin="KUBERNETES_VERSION", minor_skew=1),
    Tool("skaffold", ("version",), "https://skaffold.dev/docs/install/",
         url="https://storage.googleapis.com/skaffold/releases/v{version}/skaffold-{os}-{arch}",
         checksum_url="https://storage.googleapis.com/skaffold/releases/v{version}/skaffold-{os}-{arch}.sha256"),
    Tool("tilt", ("version",), "https://docs.tilt.dev/install.html",
         url="https://github.com/tilt-dev/tilt/releases/download/v{version}/tilt.{version}.{tilt_os}.{tilt_arch}.tar.gz",
         checksum_url="https://github.com/tilt-dev/tilt/releases/download/v{version}/checksums.txt",
         archive_member="tilt"),
)}

# Docker needs a daemon and privileges, so it is never downloaded: how to get it instead.
DOCKER_HELP = {
    "linux": "install Docker Engine from your distribution (Debian/Ubuntu: sudo apt-get install docker.io) "
             "or https://docs.docker.com/engine/install/, then add yourself to the docker group",
    "darwin": "install Docker Desktop (https://docs.docker.com/desktop/setup/install/mac-install/) "
              "or colima (brew install colima docker && colima start)",
}


def mirrored(url):
    """url, with its scheme and host replaced by $TOOLS_MIRROR when that is set."""
    mirror = os.environ.get("TOOLS_MIRROR")
    if not mirror or not url:
        return url
    parts = urlsplit(url)
    return mirror.rstrip("/") + parts.path


def current_platform(system=None, machine=None):
    """This machine's (os, arch) in release naming; ToolError where no release exists."""
    system, machine = system or platform.system(), machine or platform.machine()
    if system not in SUPPORTED_OS or machine not in SUPPORTED_ARCH:
        raise ToolError(f"{system}/{machine} is not supported here: install the tools yourself "
                        f"({', '.join(f'{t.name}: {t.install}' for t in TOOLS.values())})")
    return SUPPORTED_OS[system], SUPPORTED_ARCH[machine]


def parse_version(text):
    """The first x.y.z in text, as a tuple of ints, or None."""
    found = re.search(r"v?(\d+)\.(\d+)\.(\d+)", text)
    return tuple(map(int, found.groups())) if found else None


def version_of(tool, path):
    """The version text a tool prints, kubectl's JSON unwrapped."""
    try:
        result = subprocess.run([str(path), *tool.version_args], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"(version unknown: {error})"
    output = (result.stdout or result.stderr).strip()
    if tool.name == "kubectl":
        try:
            return json.loads(output)["clientVersion"]["gitVersion"]
        except (ValueError, KeyError):
            pass
    return output.splitlines()[0] if output else "(version unknown)"


def bin_dir():
    """Where downloaded tools go: $TOOLS_BIN, or ./bin in the repo."""
    return Path(os.environ.get("TOOLS_BIN", REPO / "bin"))


def locate(tool):
    """(path, version text) of the tool in ./bin or on PATH, ./bin first; None if absent."""
    local = bin_dir() / tool.name
    path = local if os.access(local, os.X_OK) else shutil.which(tool.name)
    return (Path(path), version_of(tool, path)) if path else None


def pin_of(tool):
    """The pinned version, without a leading v (scripts/versions.py); or ''."""
    return versions.pin(tool.pin_variable)


def pinned_version(tool):
    """The pinned version; ToolError when nothing pins it."""
    pin = pin_of(tool)
    if not pin:
        raise ToolError(f"{tool.pin_variable} is not set in {versions.VERSIONS_FILE.name} or the environment")
    return pin


# --- downloading --------------------------------------------------------------


def fetch(url, destination, label):
    """Download url into the open file destination, showing progress; return its SHA-256."""
    digest = hashlib.sha256()
    with urllib.request.urlopen(url, timeout=60) as response:
        total = int(response.headers.get("Content-Length") or 0)
        done, shown = 0, -1
        while chunk := response.read(CHUNK):
            destination.write(chunk)
            digest.update(chunk)
            done += len(chunk)
            percent = done * 100 // total if total else -1
            if percent // 10 != shown // 10:
                shown = percent
                print(f"\r  {label}: {done >> 20} MiB" + (f" ({percent} %)" if total else ""),
                      end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
        if total and done != total:
            raise ToolError(f"{label}: the download stopped at {done} of {total} bytes")
    return digest.hexdigest()


def published_checksum(tool, checksum_url, file_name):
    """The SHA-256 the project publishes for file_name.

    A .sha256 file holds the hash, maybe followed by the file name; Tilt's
    checksums.txt holds one `hash  name` line per release file.
    """
    with urllib.request.urlopen(checksum_url, timeout=60) as response:
        text = response.read().decode()
    for line in text.splitlines():
        words = line.split()
        if words and (len(words) == 1 or words[-1].lstrip("*") == file_name):
            return words[0].lower()
    raise ToolError(f"{tool.name}: {checksum_url} lists no checksum for {file_name}")


def download(tool, version, os_name, arch):
    """Fetch, verify and install the pinned release into ./bin; return the installed path."""
    url, checksum_url = tool.release(version, os_name, arch)
    target = bin_dir() / tool.name
    target.parent.mkdir(parents=True, exist_ok=True)
    print(f"{tool.name}: downloading v{version} for {os_name}/{arch} from {url}", file=sys.stderr)
    # Written beside the target and renamed only once verified: an interrupted or
    # bad download never leaves an executable behind.
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{tool.name}.", delete=False) as partial:
        partial_path = Path(partial.name)
        try:
            try:
                digest = fetch(url, partial, tool.name)
                expected = published_checksum(tool, checksum_url, url.rsplit("/", 1)[1])
            except OSError as error:  # urllib's errors included
                raise ToolError(cannot_download(tool, version, error)) from None
            if digest != expected:
                raise ToolError(f"{tool.name}: checksum mismatch for {url} (got {digest}, published {expected}); "
                                "the download was deleted")
            partial.flush()
            if tool.archive_member:
                binary = extract(tool, partial_path)
                partial.seek(0)
                partial.truncate()
                partial.write(binary)
        except BaseException:
            partial_path.unlink(missing_ok=True)
            raise
    partial_path.chmod(0o755)
    partial_path.replace(target)
    print(f"{tool.name}: installed {target}", file=sys.stderr)
    return target


def cannot_download(tool, version, error):
    """One line on a download that failed, and what to do instead."""
    if isinstance(error, urllib.error.HTTPError):
        why = f"{error.url} answered {error.code} {error.reason}"
    else:
        reason = getattr(error, "reason", error)
        why = f"no network: {getattr(reason, 'strerror', None) or reason}"
    instead = ", or start any local cluster and run make dev again" if tool.name == "minikube" else ""
    return f"{tool.name}: cannot download v{version} ({why}); install it yourself from {tool.install}{instead}"


def extract(tool, archive_path):
    """The bytes of the binary inside a verified .tar.gz release."""
    with tarfile.open(archive_path, "r:gz") as archive:
        member = archive.getmember(tool.archive_member)
        return archive.extractfile(member).read()


# --- commands -----------------------------------------------------------------


def ensure(names):
    """Make every named tool available; raise ToolError for what cannot be."""
    for tool in (TOOLS[name] for name in names):
        found = locate(tool)
        if tool.name == "docker":
            if found is None:
                raise ToolError(f"docker is not installed; {DOCKER_HELP.get(current_platform()[0])}")
            continue
        pin = pinned_version(tool)
        if found and tool.compatible(parse_version(found[1]), parse_version(pin)):
            print(f"{tool.name}: using {found[0]} ({found[1]})", file=sys.stderr)
            continue
        os_name, arch = current_platform()
        download(tool, pin, os_name, arch)


def skew(kubectl):
    """A sentence on how far kubectl is from the cluster it talks to, if too far; else ''.

    Asks the current context's API server, briefly: no cluster, no sentence.
    """
    try:
        result = subprocess.run([str(kubectl), "version", "--output=json", "--request-timeout=5s"],
                                capture_output=True, text=True, timeout=15)
        reported = json.loads(result.stdout)
        client = parse_version(reported["clientVersion"]["gitVersion"])
        server = parse_version(reported["serverVersion"]["gitVersion"])
    except (OSError, subprocess.TimeoutExpired, ValueError, KeyError, TypeError):
        return ""
    if TOOLS["kubectl"].compatible(client, server):
        return ""
    return (f"kubectl {'.'.join(map(str, client))} talks to a {'.'.join(map(str, server))} cluster: more "
            f"than one minor version apart, which kubectl does not support. Start the cluster at the pin "
            f"(make cluster passes --kubernetes-version) or use a kubectl within one minor of it")


# The target that first needs each tool the project fetches (the Makefile): doctor names it.
FETCHED_BY = {"minikube": "make cluster and the loops (when they start minikube)",
              "kubectl": "make cluster and the loops", "skaffold": "make dev, make debug and make run",
              "tilt": "make tilt and make tilt-debug"}


def doctor(names):
    """Report every named tool; return how many problems there are. A tool the Makefile
    fetches itself is no problem when absent (a fresh clone has none of them): only docker,
    which is never fetched, and a kubectl too far from its cluster are."""
    missing = 0
    for tool in (TOOLS[name] for name in names):
        found = locate(tool)
        pin = pin_of(tool)
        if found is None and tool.name == "docker":
            missing += 1
            hint = DOCKER_HELP.get(SUPPORTED_OS.get(platform.system()), tool.install)
            print(f"MISSING  {tool.name:<9} {hint}")
            continue
        if found is None:
            print(f"missing  {tool.name:<9} no problem: {FETCHED_BY[tool.name]} fetch v{pin} into ./bin "
                  f"(make tools fetches it now); or install it yourself: {tool.install}")
            continue
        path, version = found
        if tool.name == "docker" or not pin:
            verdict = ""
        elif tool.compatible(parse_version(version), parse_version(pin)):
            verdict = f"meets the pin v{pin}"
        else:
            verdict = f"does NOT meet the pin v{pin}: make downloads v{pin} into ./bin when needed"
        print(f"ok       {tool.name:<9} {version}  ({path})  {verdict}".rstrip())
        if tool.name == "kubectl" and (problem := skew(path)):
            missing += 1
            print(f"SKEW     {tool.name:<9} {problem}")
    return missing


def main(argv):
    """Run a command; return the exit status."""
    if not argv or argv[0] not in ("doctor", "ensure"):
        print(__doc__, file=sys.stderr)
        return 2
    command, names = argv[0], argv[1:] or (list(TOOLS) if argv[0] == "doctor" else [])
    unknown = [name for name in names if name not in TOOLS]
    if unknown or not names:
        print(f"tools: name tools from: {', '.join(TOOLS)}", file=sys.stderr)
        return 2
    try:
        if command == "doctor":
            missing = doctor(names)
            if missing:
                print(f"tools: {missing} problem(s) found", file=sys.stderr)
            return 1 if missing else 0
        ensure(names)
        return 0
    except ToolError as error:
        print(f"tools: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # network errors included: say what failed, not a traceback
        print(f"tools: {error}", file=sys.stderr)
        return 1
