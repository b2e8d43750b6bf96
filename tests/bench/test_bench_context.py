"""Where `make bench` may measure: its cluster figures only on a context the loop takes as local
(scripts/cluster.py decides, as for `make dev`), and the whole bench only where /proc is.

kubectl is never run: the answers of the current context are stand-ins set on scripts.cluster."""

import pytest

import bench.__main__ as bench_main
from bench import cluster as bench_cluster
from scripts import cluster as scripts_cluster
from scripts.cluster import Context

CONTEXTS = {
    "docker-desktop": Context("docker-desktop", "docker-desktop", "https://127.0.0.1:6443"),
    "kind": Context("kind-dev", "kind-dev", "https://127.0.0.1:40123"),
    "gke": Context("gke_team_europe-west1_shared", "gke_team_europe-west1_shared", "https://34.1.2.3"),
    "rancher on containerd": Context("rancher-desktop", "rancher-desktop", "https://127.0.0.1:6443"),
}


@pytest.fixture
def current(monkeypatch):
    """Make the current context the one named (it answers; its nodes run runtime)."""
    def use(name, runtime="docker"):
        monkeypatch.setattr(bench_cluster, "cluster_problem", lambda: None)
        monkeypatch.setattr(scripts_cluster, "current_context", lambda: CONTEXTS[name])
        monkeypatch.setattr(scripts_cluster, "answers", lambda: True)
        monkeypatch.setattr(scripts_cluster, "node_runtimes", lambda: [runtime])
    return use


@pytest.mark.parametrize(("name", "runtime"), [("docker-desktop", "docker"), ("kind", "containerd")])
def test_the_cluster_figures_run_on_a_local_context(current, name, runtime):
    current(name, runtime)
    assert bench_cluster.context_problem({}) is None


@pytest.mark.parametrize("environment", [{}, {"CLUSTER": "minikube"}, {"REGISTRY": "registry.example.com/team"}])
def test_the_cluster_figures_refuse_a_remote_context_whatever_the_loop_settings(current, environment):
    current("gke")
    problem = bench_cluster.context_problem(environment)
    assert problem and "gke_team_europe-west1_shared" in problem and "not a local cluster" in problem


def test_the_cluster_figures_refuse_a_local_cluster_an_image_built_here_cannot_reach(current):
    current("rancher on containerd", runtime="containerd")
    assert "do not run on Docker" in bench_cluster.context_problem({})


def test_a_refused_context_gets_no_deploy(current, monkeypatch, capsys):
    current("gke")
    monkeypatch.setattr(bench_cluster, "copy_project", lambda *_: pytest.fail("the bench went on to deploy"))
    result = bench_cluster.run()
    assert "not a local cluster" in result["skipped"]
    assert "cluster figures skipped" in capsys.readouterr().out


def test_the_bench_says_it_is_linux_only_where_proc_is_missing(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(bench_main, "PROC", tmp_path / "no-proc")
    monkeypatch.setattr(bench_main, "engine_problem", lambda: pytest.fail("the bench went on to Docker"))
    assert bench_main.main(["debug"]) == 1
    assert "Linux only" in capsys.readouterr().err
