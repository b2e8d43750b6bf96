"""Run a Tiltfile for real in Starlark (go.starlark.net, as Tilt does) with recording stand-ins.

Each stand-in takes exactly the parameters of Tilt's builtin of that name (Tilt
v0.37, `../shared/reference/tilt-builtins.md`), by position or keyword, so that
a misspelt or unknown parameter fails here as it would in `tilt up`.
"""

import inspect
from pathlib import Path

import starlark_go

TRIGGER_MODE_AUTO, TRIGGER_MODE_MANUAL = "auto", "manual"
# Arguments that name files the builtin reads or watches: Tilt fails when they are missing.
PATH_PARAMETERS = {
    "docker_build": ("context", "dockerfile"),
    "k8s_yaml": ("yaml",),
    "local_resource": ("deps",),
    "sync": ("local_path",),
    "fall_back_on": ("paths",),
}


# The signatures, parameter for parameter; bodies are never run.
def docker_build(ref, context, build_args={}, dockerfile="Dockerfile", dockerfile_contents="",
                 cache=None, live_update=[], match_in_env_vars=False, ignore=[], only=[],
                 entrypoint=[], container_args=None, target="", ssh="", secret="", network="",
                 extra_tag="", cache_from=[], pull=False, platform="", extra_hosts=[]): ...
def k8s_yaml(yaml, allow_duplicates=False): ...
def k8s_resource(workload="", new_name="", port_forwards=[], extra_pod_selectors=[],
                 trigger_mode=TRIGGER_MODE_AUTO, resource_deps=[], objects=[], auto_init=True,
                 pod_readiness="", links=[], labels=[], discovery_strategy=""): ...
def local_resource(name, cmd="", deps=None, trigger_mode=TRIGGER_MODE_AUTO, resource_deps=[],
                   ignore=[], auto_init=True, serve_cmd="", cmd_bat="", serve_cmd_bat="",
                   allow_parallel=False, links=[], labels=[], env={}, serve_env={},
                   readiness_probe=None, dir="", serve_dir=""): ...
def sync(local_path, remote_path): ...
def run(cmd, trigger=[], echo_off=False): ...
def fall_back_on(paths): ...
def initial_sync(): ...
def restart_container(): ...
def link(url, name=""): ...
def allow_k8s_contexts(contexts): ...
def version_settings(check_updates=True, constraint=""): ...
def update_settings(max_parallel_updates=3, k8s_upsert_timeout_secs=30,
                    suppress_unused_image_warnings=None, k8s_server_side_apply="auto"): ...


SIGNATURES = (docker_build, k8s_yaml, k8s_resource, local_resource, sync, run, fall_back_on,
              initial_sync, restart_container, link, allow_k8s_contexts, version_settings, update_settings)


class Recording:
    """The builtins a Tiltfile called, with every argument by parameter name."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self.calls = []
        # Kept here: the binding does not hold references to the Python callables
        # it is given, and calling a collected one crashes the process.
        self.stand_ins = {signature.__name__: self._stand_in(signature) for signature in SIGNATURES}

    def of(self, builtin):
        """The arguments of every call to builtin, in order."""
        return [arguments for name, arguments in self.calls if name == builtin]

    def one(self, builtin, **match):
        """The arguments of the only call to builtin whose arguments include match."""
        found = [args for args in self.of(builtin) if all(args.get(k) == v for k, v in match.items())]
        assert len(found) == 1, f"expected one {builtin}({match}), found {len(found)}"
        return found[0]

    def _stand_in(self, signature):
        """A callable that checks its arguments against signature and records them."""
        name = signature.__name__

        def call(*args, **kwargs):
            bound = inspect.signature(signature).bind(*args, **kwargs)
            bound.apply_defaults()
            arguments = dict(bound.arguments)
            for parameter in PATH_PARAMETERS.get(name, ()):
                self._require_files(name, arguments[parameter])
            self.calls.append((name, arguments))
            return {"builtin": name, **arguments}

        return call

    def _require_files(self, builtin, paths):
        """Fail as Tilt does when a file that a builtin names does not exist."""
        for path in [paths] if isinstance(paths, str) else paths or []:
            if not (self.directory / path).exists():
                raise FileNotFoundError(f"{builtin} names {path}, which does not exist")


def run_tiltfile(path):
    """Execute the Tiltfile at path in Tilt's Starlark dialect; return what it called."""
    path = Path(path)
    starlark_go.configure_starlark(allow_set=True, allow_global_reassign=True, allow_recursion=True)
    recording = Recording(path.parent)
    interpreter = starlark_go.Starlark(globals={
        **recording.stand_ins,
        "TRIGGER_MODE_AUTO": TRIGGER_MODE_AUTO,
        "TRIGGER_MODE_MANUAL": TRIGGER_MODE_MANUAL,
        "__file__": str(path),
    })
    interpreter.exec(path.read_text(), filename=str(path))
    return recording
