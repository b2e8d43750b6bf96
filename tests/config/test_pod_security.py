"""The pod's security and resource settings, field by field."""

import copy
import re

import pytest

from tests.support.files import prod_default
from tests.support.pod_security import violations

UNITS = {"": 1, "m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 1e3, "M": 1e6, "G": 1e9}


def quantity(value):
    """A Kubernetes resource quantity as a number (cores or bytes)."""
    number, unit = re.fullmatch(r"([\d.]+)([A-Za-z]*)", str(value)).groups()
    return float(number) * UNITS[unit]


@pytest.fixture
def pod(deployment):
    """The Deployment's pod spec."""
    return deployment["spec"]["template"]["spec"]


def test_pod_meets_the_restricted_profile(pod):
    assert violations(pod) == []


def test_pod_goes_further_than_the_profile_requires(pod, container):
    assert pod["securityContext"]["runAsUser"] > 0
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert "volumes" not in pod


@pytest.mark.parametrize(("change", "control"), [
    (lambda p: p["containers"][0]["securityContext"].update(privileged=True), "privileged"),
    (lambda p: p["containers"][0]["securityContext"].update(allowPrivilegeEscalation=True), "allowPrivilegeEscalation"),
    (lambda p: p["securityContext"].update(runAsNonRoot=False), "runAsNonRoot"),
    (lambda p: p["securityContext"].update(runAsUser=0), "runAsUser 0"),
    (lambda p: p["securityContext"].pop("seccompProfile"), "seccompProfile"),
    (lambda p: p["containers"][0]["securityContext"]["capabilities"].update(add=["NET_ADMIN"]), "adds capabilities"),
    (lambda p: p["containers"][0]["securityContext"]["capabilities"].update(drop=[]), "drop ALL"),
    (lambda p: p.update(hostNetwork=True), "hostNetwork"),
    (lambda p: p.update(volumes=[{"name": "root", "hostPath": {"path": "/"}}]), "hostPath"),
    (lambda p: p["containers"][0]["ports"][0].update(hostPort=80), "hostPort"),
])
def test_the_check_sees_each_broken_control(pod, change, control):
    broken = copy.deepcopy(pod)
    change(broken)
    assert any(control in violation for violation in violations(broken)), violations(broken)


def test_requests_do_not_exceed_limits(container):
    for kind in ("cpu", "memory"):
        assert quantity(container["resources"]["requests"][kind]) <= quantity(container["resources"]["limits"][kind])


def test_probes_time_out_before_the_next_one_and_liveness_is_patient(container):
    for name in ("readinessProbe", "livenessProbe"):
        probe = container[name]
        assert 1 <= probe["timeoutSeconds"] < probe["periodSeconds"], name
    liveness, readiness = container["livenessProbe"], container["readinessProbe"]
    # A restart needs 20 s of failures; taking a pod out of the Service needs at most 15 s.
    assert liveness["periodSeconds"] * liveness["failureThreshold"] >= 20
    assert readiness["periodSeconds"] * readiness["failureThreshold"] <= 15


def test_shutdown_fits_in_the_grace_period(pod, container):
    graceful = prod_default("GRACEFUL_TIMEOUT")
    pause = container["lifecycle"]["preStop"]["sleep"]["seconds"]
    # preStop runs first (the pod leaves the Service's endpoints meanwhile), then
    # SIGTERM, then the server's graceful timeout; SIGKILL must come after all that.
    assert pause >= 5
    assert pause + graceful < pod["terminationGracePeriodSeconds"]
