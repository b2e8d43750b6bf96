"""The developer's own namespace on a shared cluster (a team loop: REGISTRY is set).

Usage (the cluster admin's one-time step for each developer, `make team-namespace`):
  python3 -m scripts namespace grant NAMESPACE KIND:NAME
                                           make NAMESPACE a developer namespace of the loop,
                                           with k8s/team/developer-role.yaml bound to the
                                           subject (User:jane@example.com, Group:team-x, or
                                           ServiceAccount:NAMESPACE:NAME)

Everything a team loop deploys goes into NAMESPACE, by default the login name made a DNS
label. The loop deploys into, and `make down` deletes from, only a namespace that carries
the loop's label: one it created, or one the cluster admin made for a developer
(docs/how-to/team.md). A namespace without it (default, kube-system, a namespace of the team's
services) is refused whatever the identity may do there, so a mistyped NAMESPACE never
touches what is not a developer's; and one whose recorded owner is another identity (as
`kubectl auth whoami` tells) is refused too, so a developer with wide rights never touches
a colleague's.
"""

import getpass
import json
import os
import re
import sys

from .kube import kubectl
from .project import REPO

LABEL = "app.kubernetes.io/managed-by"
LOOP = "favorite-athlete-loop"
# Pods in it must meet Pod Security "restricted", as the app's do (docs/explanation/security.md).
LABELS = {LABEL: LOOP, "pod-security.kubernetes.io/enforce": "restricted"}
# Whose it is: the username (or group:NAME) that created it or that the admin bound the Role to.
OWNER = "favorite-athlete/developer"
RESERVED = ("default", "kube-system", "kube-public", "kube-node-lease")
DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
HOW_TO_GET_ONE = "docs/how-to/team.md, the admin's one-time step"
ROLE = REPO / "k8s" / "team" / "developer-role.yaml"
ROLE_NAME = "favorite-athlete-developer"


def login():
    """The user's login name; '' when the system knows none."""
    try:
        return os.environ.get("USER") or getpass.getuser()
    except (KeyError, OSError):
        return ""


def from_login(name):
    """name made a DNS label: lower case, each run of other characters one '-', at most 63."""
    label = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return label[:63].rstrip("-")


def chosen(environment=os.environ):
    """(namespace, where it comes from); namespace '' when none can be derived."""
    if environment.get("NAMESPACE"):
        return environment["NAMESPACE"], "NAMESPACE"
    name = login()
    return from_login(name), f"your login name, {name or 'unknown'}"


def problem_with(namespace):
    """Why namespace cannot be a developer's own, or None."""
    if not DNS_LABEL.fullmatch(namespace or ""):
        return (f"NAMESPACE={namespace} is not a valid namespace name (lower-case letters, digits and '-', "
                "at most 63): set NAMESPACE=NAME")
    if namespace in RESERVED or namespace.startswith("kube-"):
        return f"NAMESPACE={namespace} is the cluster's own, never a developer's: set NAMESPACE=NAME"
    return None


def metadata_of(namespace):
    """(exit code, its metadata, kubectl's error) of the namespace as the cluster has it."""
    code, out, err = kubectl("get", "namespace", namespace, "--output", "json")
    if code != 0:
        return code, {}, err
    return 0, json.loads(out)["metadata"], ""


def whoami():
    """(username, groups) of the identity kubectl uses on the context; None with kubectl's error."""
    code, out, err = kubectl("auth", "whoami", "--output", "json")
    if code != 0:
        return None, err or f"kubectl exit {code}"
    user = json.loads(out)["status"]["userInfo"]
    return (user.get("username", ""), user.get("groups") or []), ""


def owner_of(who):
    """The owner annotation for an identity as a RoleBinding subject names it."""
    if who["kind"] == "ServiceAccount":
        return f"system:serviceaccount:{who['namespace']}:{who['name']}"
    return f"group:{who['name']}" if who["kind"] == "Group" else who["name"]


def not_yours(namespace, metadata):
    """Why namespace, which carries the loop's label, is not this identity's; None when it is
    (or has no owner recorded: one the admin labelled by hand)."""
    owner = (metadata.get("annotations") or {}).get(OWNER)
    if metadata.get("labels", {}).get(LABEL) != LOOP:
        return (f"namespace {namespace} exists and is not a developer namespace of this loop (it has no label "
                f"{LABEL}={LOOP}): the loop deploys into and deletes from only those; choose another "
                f"NAMESPACE, or have the cluster admin make this one a developer's ({HOW_TO_GET_ONE})")
    if not owner:
        return None
    me, err = whoami()
    if me is None:
        return f"cannot tell who you are on this cluster (kubectl auth whoami: {err}), nor so if {namespace} is yours"
    username, groups = me
    if owner == username or (owner.startswith("group:") and owner.removeprefix("group:") in groups):
        return None
    return (f"namespace {namespace} is {owner}'s, not yours ({username}): the loop never deploys into or deletes "
            "from another developer's namespace; set NAMESPACE to your own")


def ensure(namespace):
    """Make sure the loop may deploy into namespace, creating it (labelled, owned by this identity)
    if it is missing; None when it may, else why not."""
    problem = problem_with(namespace)
    if problem:
        return problem
    code, metadata, err = metadata_of(namespace)
    if code == 0:
        return not_yours(namespace, metadata)
    if "NotFound" not in err:
        return (f"cannot read namespace {namespace} ({err or f'kubectl exit {code}'}): your identity needs "
                f"the loop's Role there ({HOW_TO_GET_ONE})")
    me, err = whoami()
    if me is None:
        return f"cannot tell who you are on this cluster (kubectl auth whoami: {err}), to make {namespace} yours"
    manifest = {"apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": namespace, "labels": LABELS, "annotations": {OWNER: me[0]}}}
    code, _, err = kubectl("create", "--filename", "-", stdin=json.dumps(manifest))
    if code != 0:
        return (f"namespace {namespace} does not exist and could not be created ({err}): ask the cluster admin "
                f"for one ({HOW_TO_GET_ONE}), or set NAMESPACE to one you have")
    print(f"cluster: created namespace {namespace}, labelled {LABEL}={LOOP}, yours ({me[0]})", flush=True)
    return None


def check(namespace):
    """For `make down`: None when namespace is one the loop may delete from (or is gone), else why not."""
    problem = problem_with(namespace)
    if problem:
        return problem
    code, metadata, err = metadata_of(namespace)
    if code != 0:
        return None if "NotFound" in err else f"cannot read namespace {namespace} ({err})"
    return not_yours(namespace, metadata)


def subject(developer):
    """The RoleBinding subject for KIND:NAME (User, Group) or ServiceAccount:NAMESPACE:NAME; None if malformed."""
    kind, _, name = developer.partition(":")
    if kind in ("User", "Group") and name:
        return {"kind": kind, "apiGroup": "rbac.authorization.k8s.io", "name": name}
    account_namespace, _, account = name.partition(":")
    if kind == "ServiceAccount" and account_namespace and account:
        return {"kind": kind, "namespace": account_namespace, "name": account}
    return None


def grant(namespace, developer):
    """The admin's step: namespace made (or labelled) a developer namespace, with the loop's Role
    bound to developer; exit status."""
    problem = problem_with(namespace)
    who = subject(developer)
    if problem or who is None:
        print(problem or f"DEVELOPER={developer} is not User:NAME, Group:NAME or ServiceAccount:NAMESPACE:NAME",
              file=sys.stderr)
        return 2
    namespace_object = {"apiVersion": "v1", "kind": "Namespace",
                        "metadata": {"name": namespace, "labels": LABELS, "annotations": {OWNER: owner_of(who)}}}
    # One binding per namespace: a developer namespace has one developer.
    binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
               "metadata": {"name": ROLE_NAME,
                            "namespace": namespace, "labels": {"app.kubernetes.io/part-of": "favorite-athlete"}},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": ROLE_NAME},
               "subjects": [who]}
    for args, stdin in ((["apply", "--filename", "-"], json.dumps(namespace_object)),
                        (["apply", "--namespace", namespace, "--filename", str(ROLE)], None),
                        (["apply", "--filename", "-"], json.dumps(binding))):
        code, out, err = kubectl(*args, stdin=stdin, timeout=60)
        print(out or err, file=sys.stderr if code else sys.stdout)
        if code:
            return code
    print(f"namespace {namespace} is a developer namespace of the loop; {developer} may run `make dev "
          f"REGISTRY=... NAMESPACE={namespace}` there")
    return 0


def main(argv):
    """Run a command; return the exit status."""
    if len(argv) == 3 and argv[0] == "grant":
        return grant(argv[1], argv[2])
    print(__doc__, file=sys.stderr)
    return 2
