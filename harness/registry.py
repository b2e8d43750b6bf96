"""CI's image registry (hack/cluster/up.sh: CNCF Distribution on 127.0.0.1:5001, no auth), as
the cluster's kubelet and the tools' pushes reach it."""

import shutil

from harness.http import request
from scripts.project import CI_REGISTRY

REGISTRY = CI_REGISTRY
# What `docker pull` accepts: the registry answers with the digest of what it stores.
MANIFEST_TYPES = ", ".join((
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
))


def registry_problem():
    """Why the registry cannot be used anonymously here, or None when GET /v2/ answers 200."""
    if shutil.which("docker") is None:
        return "the docker command is not installed"
    try:
        status = request(f"http://{REGISTRY}", "GET", "/v2/").status
    except OSError as error:
        return f"no registry answers on {REGISTRY} ({error})"
    return None if status == 200 else f"the registry on {REGISTRY} answers GET /v2/ with {status}, not 200"


def served_digest(repository, tag):
    """The digest the registry serves for repository:tag (HEAD of its manifest)."""
    name = repository.removeprefix(f"{REGISTRY}/")
    reply = request(f"http://{REGISTRY}", "HEAD", f"/v2/{name}/manifests/{tag}", headers={"Accept": MANIFEST_TYPES})
    assert reply.status == 200, f"the registry has no {repository}:{tag} ({reply.status})"
    return reply.headers["docker-content-digest"]
