"""Build the programs of the e2e cluster from the Go module proxy, at the pinned versions.

Usage (from the project's folder, `python3 -m hack.gotools ...`):
  mod [TOOL ...]    regenerate hack/tools/TOOL/go.mod and go.sum from versions.env
  build [TOOL ...]  build each tool into GOTOOLS_DIR, skipping those already
                    built at their pinned version; print what each build took

Each tool is built from a wrapper module of ours in hack/tools/TOOL: the upstream modules
carry `replace` directives (and Kubernetes and etcd replace their own sub-modules with
folders that the published module zip does not hold), so `go install pkg@version` refuses
them. `mod` copies those directives from the upstream go.mod, pointing each local-folder
replace at the published module instead. Tilt's web UI, a JavaScript build that the Go
build embeds, is built first from the module's own web/ folder and lockfile, with node and
the yarn release vendored there. GOTOOLS_DIR defaults to ./bin/e2e (git-ignored); CI keeps
it outside the clone so that a warm machine skips every build.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

# The pins and the repository, as the user's commands read them.
from scripts import versions
from scripts.project import REPO

WRAPPERS = REPO / "hack" / "tools"
GOTOOLS_DIR = Path(os.environ.get("GOTOOLS_DIR", REPO / "bin" / "e2e"))


@dataclass(frozen=True)
class GoTool:
    """One upstream Go module and the programs built from it."""

    name: str
    module: str
    pin: str                 # the versions.env variable
    binaries: dict           # binary name -> package path inside the module ("" = its root)
    ldflags: tuple = ()      # -X settings; {v} is the version, {major} {minor} its parts
    cgo: bool = False
    # Upstream replaces a sibling module with a folder of its repository: the published
    # version of that sibling, {v} {minor} {patch} filled in.
    sibling_version: str = "v{v}"
    # Upstream replaces a module with a folder that is no module of its own on the proxy:
    # the folder of ours that stands in for it.
    local_modules: dict = field(default_factory=dict)
    # Dependencies that the checksum database does not list (a pseudo-version of a fork,
    # say): their checksums are taken from upstream's go.sum instead.
    unlisted: tuple = ()
    # The module's folder of a JavaScript UI that the binaries embed (Tilt's web/).
    web_ui: str = ""

    def version(self, pins):
        """The pinned version, without a leading v."""
        return pins[self.pin]

    def fill(self, text, version):
        """A template with this tool's version filled in."""
        major, minor, patch = version.split(".")[:3]
        return text.format(v=version, major=major, minor=minor, patch=patch)

    def packages(self):
        """The full import paths of the packages to build."""
        return [f"{self.module}/{pkg}".rstrip("/") for pkg in self.binaries.values()]


KUBE_VERSION_VARS = tuple(
    f"{package}.{name}={value}"
    for package in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version")
    for name, value in (("gitVersion", "v{v}"), ("gitMajor", "{major}"), ("gitMinor", "{minor}"),
                        ("gitTreeState", "clean"))
)

TOOLS = {tool.name: tool for tool in (
    GoTool("etcd", "go.etcd.io/etcd/server/v3", "ETCD_VERSION", {"etcd": ""}),
    GoTool("kubernetes", "k8s.io/kubernetes", "KUBERNETES_VERSION",
           {name: f"cmd/{name}" for name in ("kube-apiserver", "kube-controller-manager",
                                             "kube-scheduler", "kubelet", "kube-proxy", "kubectl")},
           ldflags=KUBE_VERSION_VARS, sibling_version="v0.{minor}.{patch}"),
    GoTool("cri-dockerd", "github.com/Mirantis/cri-dockerd", "CRI_DOCKERD_VERSION", {"cri-dockerd": ""},
           ldflags=("github.com/Mirantis/cri-dockerd/cmd/version.Version={v}",)),
    GoTool("traefik", "github.com/traefik/traefik/v3", "TRAEFIK_VERSION", {"traefik": "cmd/traefik"},
           ldflags=("github.com/traefik/traefik/v3/pkg/version.Version=v{v}",),
           local_modules={"github.com/traefik/traefik/dynamic/ext": "./ext"}),
    GoTool("skaffold", "github.com/GoogleContainerTools/skaffold/v2", "SKAFFOLD_VERSION",
           {"skaffold": "cmd/skaffold"},
           ldflags=("github.com/GoogleContainerTools/skaffold/v2/pkg/skaffold/version.version=v{v}",)),
    # Tilt parses Tiltfiles with tree-sitter, a C library.
    GoTool("tilt", "github.com/tilt-dev/tilt", "TILT_VERSION", {"tilt": "cmd/tilt"},
           ldflags=("main.version={v}",), cgo=True, unlisted=("github.com/tilt-dev/starlark-lsp",),
           web_ui="web"),
    # The image registry that the `remote` profile's e2e test pushes to and the pods pull from.
    GoTool("registry", "github.com/distribution/distribution/v3", "DISTRIBUTION_VERSION",
           {"registry": "cmd/registry"},
           ldflags=("github.com/distribution/distribution/v3/version.version=v{v}",)),
)}

# Tilt's web UI: `//go:embed build` in pkg/assets takes whatever Tilt's Makefile (build-js:
# `yarn install --immutable`, `yarn build`, then `cp -r web/build/* pkg/assets/build`) put
# there; the module zip holds web/ with its yarn.lock but no build.
NODE_MAJOR = 20  # package.json's engines
# The built UI is kept per Tilt version, so a new Go toolchain relinks tilt without it.
WEB_UI_DIR = GOTOOLS_DIR / ".web-ui"


def run(command, *args, cwd, env=None, capture=False):
    """Run a build command; stop with its output on failure."""
    result = subprocess.run([command, *args], cwd=cwd, env={**os.environ, **(env or {})},
                            text=True, capture_output=capture)
    if result.returncode != 0:
        if capture:
            sys.stderr.write(result.stdout + result.stderr)
        sys.exit(f"gotools: {command} {' '.join(args)} failed in {cwd} (exit {result.returncode})")
    return result.stdout


def go(*args, cwd, env=None, capture=False):
    """Run the go command in a wrapper module."""
    return run("go", *args, cwd=cwd, env=env, capture=capture)


def upstream(tool, version):
    """The upstream module's go.mod, parsed by `go mod edit -json`, and the folder of its source."""
    with tempfile.TemporaryDirectory() as scratch:
        info = json.loads(go("mod", "download", "-json", f"{tool.module}@v{version}", cwd=scratch, capture=True))
        return json.loads(go("mod", "edit", "-json", info["GoMod"], cwd=scratch, capture=True)), Path(info["Dir"])


def mirrored_directives(tool, version, upstream):
    """The `go mod edit` flags that repeat upstream's replace, exclude and godebug directives."""
    required = {req["Path"] for req in upstream.get("Require") or []}
    flags = []
    for replace in upstream.get("Replace") or []:
        old, new = replace["Old"]["Path"], replace["New"]
        if old in tool.local_modules:
            flags.append(f"-replace={old}={tool.local_modules[old]}")
        elif new.get("Version"):
            flags.append(f"-replace={old}={new['Path']}@{new['Version']}")
        elif old in required:
            flags.append(f"-replace={old}={old}@{tool.fill(tool.sibling_version, version)}")
        # else: a guard against upstream's own accidental imports; nothing here imports it.
    for exclude in upstream.get("Exclude") or []:
        flags.append(f"-exclude={exclude['Path']}@{exclude['Version']}")
    for godebug in upstream.get("Godebug") or []:
        flags.append(f"-godebug={godebug['Key']}={godebug['Value']}")
    return flags


def regenerate(tool, pins):
    """Write the wrapper module of one tool afresh from its pin and the upstream go.mod."""
    version = tool.version(pins)
    folder = WRAPPERS / tool.name
    folder.mkdir(parents=True, exist_ok=True)
    go_mod, source = upstream(tool, version)
    (folder / "go.sum").write_text("".join(
        line for line in (source / "go.sum").read_text().splitlines(keepends=True)
        if line.split(" ", 1)[0] in tool.unlisted))
    (folder / "go.mod").write_text(
        f"// Generated by `make tools-mod` from versions.env: builds {tool.module} v{version}.\n"
        f"// Its replace, exclude and godebug directives mirror those of the upstream go.mod.\n"
        f"module favorite-athlete/hack/tools/{tool.name}\n\ngo {go_mod['Go']}\n")
    directives = mirrored_directives(tool, version, go_mod)
    if directives:  # `go mod edit` with no flags is an error (Distribution's go.mod has none)
        go("mod", "edit", *directives, cwd=folder)
    go("get", "-tool", *(f"{package}@v{version}" for package in tool.packages()), cwd=folder)
    go("mod", "tidy", cwd=folder)
    print(f"gotools: wrote hack/tools/{tool.name}/go.mod for {tool.module} v{version}")


def wrapped_version(tool):
    """The version of the upstream module that the committed wrapper requires (read without go)."""
    text = (WRAPPERS / tool.name / "go.mod").read_text()
    found = re.search(rf"^\s*(?:require\s+)?{re.escape(tool.module)} v(\S+)", text, re.M)
    return found.group(1) if found else None


def writable_copy(source, destination):
    """Copy a folder of the read-only module cache, writable (copies keep the read-only modes)."""
    shutil.copytree(source, destination, dirs_exist_ok=True)
    for path in (destination, *destination.rglob("*")):
        path.chmod(path.stat().st_mode | 0o200)


def yarn_env():
    """Yarn's settings: the lockfile's checksums enforced, the registry npm is set up for."""
    # The module's .yarnrc.yml says `checksumBehavior: update`, which would accept a changed
    # package and rewrite the lockfile; `throw` fails on it instead. CI=false as in Tilt's
    # release script: under CI=true react-scripts fails the build on a lint warning.
    env = {"YARN_CHECKSUM_BEHAVIOR": "throw", "YARN_ENABLE_TELEMETRY": "0", "CI": "false"}
    if "YARN_NPM_REGISTRY_SERVER" not in os.environ and shutil.which("npm"):
        env["YARN_NPM_REGISTRY_SERVER"] = run("npm", "config", "get", "registry", cwd=REPO, capture=True).strip()
    return env


def web_ui(tool, version, module_dir):
    """The folder of the module's built web UI: built once per version into WEB_UI_DIR."""
    built = WEB_UI_DIR / f"{tool.name}-v{version}"
    if (built / "index.html").is_file():
        print(f"gotools: {tool.name} v{version} web UI already built")
        return built
    node = shutil.which("node")
    major = node and int(run(node, "-p", "process.versions.node", cwd=REPO, capture=True).split(".")[0])
    if not node or major < NODE_MAJOR:
        sys.exit(f"gotools: {tool.name}'s web UI needs Node.js {NODE_MAJOR} or newer "
                 "(Debian: apt-get install nodejs): https://nodejs.org/")
    # yarn writes node_modules and the build beside package.json; an interrupted run's copy
    # is reused, so its node_modules are not fetched again.
    work = WEB_UI_DIR / f"{tool.name}-v{version}.work"
    writable_copy(module_dir / tool.web_ui, work)
    yarn = str(work / re.search(r"^yarnPath:\s*(\S+)", (work / ".yarnrc.yml").read_text(), re.M).group(1))
    print(f"gotools: building {tool.name} v{version} web UI", flush=True)
    started = time.monotonic()
    run(node, yarn, "install", "--immutable", cwd=work, env=yarn_env())
    installed = time.monotonic()
    run(node, yarn, "run", "build", cwd=work, env=yarn_env())
    (work / "build").rename(built)  # only a complete build is ever found there
    shutil.rmtree(work)
    print(f"gotools: built {tool.name} v{version} web UI in {time.monotonic() - started:.0f} s "
          f"(install {installed - started:.0f} s)", flush=True)
    return built


def with_web_ui(tool, version, folder, scratch):
    """A go.mod for the build that takes the module from a copy holding its built web UI.

    The module cache is read-only (and `go build -overlay` may not add files to an embedded
    folder in it), so the module is copied into scratch and the wrapper's go.mod, copied too,
    points at that copy.
    """
    # `go mod download` fetches it on a fresh machine (`go list -m` would print no folder).
    module_dir = Path(json.loads(go("mod", "download", "-json", tool.module, cwd=folder, capture=True))["Dir"])
    ui = web_ui(tool, version, module_dir)
    source = scratch / "module-source"
    writable_copy(module_dir, source)
    shutil.copytree(ui, source / "pkg" / "assets" / "build", dirs_exist_ok=True)
    shutil.copyfile(folder / "go.sum", scratch / "go.sum")
    modfile = scratch / "go.mod"
    modfile.write_text((folder / "go.mod").read_text() + f"\nreplace {tool.module} => {source}\n")
    return modfile


def stamp(tool):
    """The file that records which version of a tool GOTOOLS_DIR holds."""
    return GOTOOLS_DIR / ".built" / tool.name


def build(tool, pins):
    """Build one tool's programs into GOTOOLS_DIR unless they are there at the pinned version."""
    version = tool.version(pins)
    folder = WRAPPERS / tool.name
    # "web-ui" marks a build with it: a tilt from before the UI was added is built again.
    toolchain = go("env", "GOVERSION", cwd=folder, capture=True).strip()
    wanted = f"{version} {toolchain}{' web-ui' if tool.web_ui else ''}\n"
    if stamp(tool).is_file() and stamp(tool).read_text() == wanted and all(
            (GOTOOLS_DIR / name).is_file() for name in tool.binaries):
        print(f"gotools: {tool.name} v{version} already built")
        return
    if wrapped_version(tool) != version:
        sys.exit(f"gotools: versions.env pins {tool.name} at {version} but hack/tools/{tool.name}/go.mod "
                 f"requires {wrapped_version(tool)}; run `make tools-mod` and commit the result")

    ldflags = ["-s", "-w", *(f"-X={tool.fill(setting, version)}" for setting in tool.ldflags)]
    args = ["build", "-trimpath", f"-ldflags={' '.join(ldflags)}"]
    with tempfile.TemporaryDirectory() as scratch:
        if tool.web_ui:
            args.append(f"-modfile={with_web_ui(tool, version, folder, Path(scratch))}")
        out = Path(scratch) / "out"
        out.mkdir()
        target = f"{out}/" if len(tool.binaries) > 1 else str(out / next(iter(tool.binaries)))
        print(f"gotools: building {tool.name} v{version} ({', '.join(tool.binaries)})", flush=True)
        started = time.monotonic()
        go(*args, "-o", target, *tool.packages(), cwd=folder, env={"CGO_ENABLED": "1" if tool.cgo else "0"})
        GOTOOLS_DIR.mkdir(parents=True, exist_ok=True)
        for name in tool.binaries:
            shutil.move(out / name, GOTOOLS_DIR / name)
    stamp(tool).parent.mkdir(exist_ok=True)
    stamp(tool).write_text(wanted)
    print(f"gotools: built {tool.name} v{version} in {time.monotonic() - started:.0f} s", flush=True)


def selected(names):
    """The tools named on the command line, or every tool."""
    unknown = [name for name in names if name not in TOOLS]
    if unknown:
        sys.exit(f"gotools: unknown tool(s) {', '.join(unknown)}; known: {', '.join(TOOLS)}")
    return [TOOLS[name] for name in names] if names else list(TOOLS.values())


def main(argv):
    """Dispatch the command line."""
    if not argv or argv[0] not in ("mod", "build"):
        sys.exit(__doc__)
    if shutil.which("go") is None:
        sys.exit("gotools: 'go' is not installed; install Go 1.26 or newer: https://go.dev/doc/install")
    pins = versions.read()
    for tool in selected(argv[1:]):
        (regenerate if argv[0] == "mod" else build)(tool, pins)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
