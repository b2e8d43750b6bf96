"""The one entry point of the project's commands: `python3 -m scripts COMMAND ...`, from the
project's folder (the Makefile's targets, skaffold.yaml's hook and the Tiltfile's Cmd all run
there).

Commands:
  cluster doctor|up|check|namespace   which cluster the loop uses, and getting it ready
  tools doctor|ensure TOOL ...        the loop's tools at their pins (./bin)
  run [--foreground] COMMAND ARG ...  COMMAND's tool made sure of, then COMMAND run; with
                                      --foreground a closed terminal ends it as Ctrl-C does
  ingress up                          a controller for the Ingress where the cluster has none
  namespace grant NAMESPACE KIND:NAME a developer's namespace on a shared cluster
  curl                                GET / through the Ingress (scripts/curl-ingress.sh)
  resync start|watch PID|tilt CONTEXT NAMESPACE
                                      the companion of `skaffold dev`, and Tilt's confirmation
"""

import importlib
import sys

# Each command is the module of this package whose main(argv) runs it.
COMMANDS = ("cluster", "tools", "run", "ingress", "namespace", "curl", "resync")


def main(argv):
    """Run a command; return the exit status."""
    if not argv or argv[0] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 2
    # Imported when asked for: a command loads only the modules it uses.
    return importlib.import_module(f".{argv[0]}", __package__).main(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
