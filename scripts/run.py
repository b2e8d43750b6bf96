"""Run one of the loop's commands (skaffold dev, tilt up, ...) for a Make target, in this one
process: the tool it runs made sure of at its pin first (scripts/tools.py).

Usage: python3 -m scripts run [--foreground] COMMAND [ARGUMENT ...]
  COMMAND, when it is one of the loop's tools, is fetched into ./bin where it is missing or too
  old; then it runs in place of this process, or with --foreground under it, so that a closed
  terminal ends it as Ctrl-C does (scripts/foreground.py).
"""

import os
import sys

from . import foreground, tools


def main(argv):
    """Run the command; return its exit status (without --foreground it replaces this process)."""
    in_foreground = argv[:1] == ["--foreground"]
    command = argv[1:] if in_foreground else argv
    if not command:
        print(__doc__, file=sys.stderr)
        return 2
    if command[0] in tools.TOOLS:
        status = tools.main(["ensure", command[0]])
        if status:
            return status
    if in_foreground:
        return foreground.main(command)
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execvp(command[0], command)
    except OSError as error:
        print(f"run: {command[0]}: {error.strerror}", file=sys.stderr)
        return 127
