"""One home for each name and number that more than one file of the project needs.

Python reads them from here. Files a tool reads itself (the manifests, skaffold.yaml, the
Tiltfile, the Dockerfile, the Makefile) must hold their own literals; tests/config checks
each of those against this file, so a change made here and not there fails the config layer.
"""

from pathlib import Path

# The repository: every path the scripts, the CI equipment, the tests and the bench use.
REPO = Path(__file__).resolve().parent.parent

# The app as Kubernetes knows it: the Deployment, its pods' label and its container.
APP = "flask-app"
SERVICE = "flask-app-service"
# The image both tools build; they replace this bare name in the manifests with their tag.
IMAGE = APP
# Where the app listens in its container, the Service's port, and the port-forward's.
APP_PORT = 5000
# Where debugpy listens in a debug pod, and where the loop forwards it.
DEBUG_PORT = 5678
# Where `make cluster` installs Traefik, the Ingress controller of a cluster that has none.
INGRESS_NAMESPACE = "favorite-athlete-ingress"
# The manifests both tools deploy, in the order skaffold.yaml lists them.
MANIFESTS = ("k8s/deployment.yaml", "k8s/service.yaml", "k8s/ingress.yaml", "k8s/pdb.yaml")
# The Distribution registry of CI's cluster, where the team loop's tests push.
CI_REGISTRY = "127.0.0.1:5001"
