"""Run a loop (skaffold dev, skaffold debug) so that closing its terminal ends it as Ctrl-C does.

Closing a terminal sends SIGHUP to the processes in its foreground. Skaffold cleans up on
SIGINT and SIGTERM (it deletes what it deployed and stops its port-forwards), but it does
not catch SIGHUP, whose default ends it at once and leaves the deployment in the cluster.
Here the command starts with SIGHUP ignored, which its kubectl children inherit, and a
SIGHUP becomes the SIGINT of a Ctrl-C. A Ctrl-C reaches the command as before (it stays in
the terminal's process group); this process waits for it to finish cleaning up.

Usage: python3 -m scripts run --foreground COMMAND [ARGUMENT ...] (scripts/run.py calls main)
"""

import signal
import subprocess
import sys


def main(argv):
    """Run argv until it ends; return its exit status."""
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # inherited through exec by the command
    command = subprocess.Popen(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the command gets its own, and cleans up
    signal.signal(signal.SIGHUP, lambda signum, frame: command.send_signal(signal.SIGINT))
    signal.signal(signal.SIGTERM, lambda signum, frame: command.send_signal(signal.SIGTERM))
    status = command.wait()
    return 128 - status if status < 0 else status
