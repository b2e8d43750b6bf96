"""`make curl`: GET / through the Ingress and show the JSON.

Usage: python3 -m scripts curl

scripts/curl-ingress.sh does it, in shell, its natural tool (a port-forward in the
background, curl, and the cleanup of both); this gives it the project's names and then
becomes it, so that a Ctrl-C reaches it alone.
"""

import os
import sys

from .project import INGRESS_NAMESPACE, REPO


def main(argv):
    """Replace this process with the script; 2 for arguments it does not take."""
    if argv:
        print(__doc__, file=sys.stderr)
        return 2
    sys.stdout.flush()
    os.execvpe("sh", ["sh", str(REPO / "scripts" / "curl-ingress.sh")],
               {**os.environ, "INGRESS_NAMESPACE": INGRESS_NAMESPACE})
