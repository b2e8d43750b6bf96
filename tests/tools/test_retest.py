"""scripts/retest.py: the unit tests rerun after each save, beside the loop, with a stand-in
`make test-unit` (a Makefile of the test's own)."""

import os
import shutil
import threading
import time

import pytest

from harness.http import wait_until
from harness.processes import group_members
from scripts import retest as retest_module


@pytest.fixture
def retest():
    return retest_module


def project(tmp_path, recipe):
    """A folder whose `make test-unit` runs recipe (a shell line)."""
    (tmp_path / "Makefile").write_text(f"test-unit:\n\t@{recipe}\n")
    return tmp_path


def test_a_passing_run_is_one_line(retest, tmp_path):
    line = retest.Retest(project(tmp_path, "echo 5 passed"), print).run()
    assert line.startswith("unit tests after the save: passed in ") and line.endswith(" s")


def test_a_failing_run_shows_the_end_of_its_report(retest, tmp_path):
    report = "; ".join(f"echo line {number}" for number in range(40)) + "; echo '1 failed, 4 passed'; exit 1"
    text = retest.Retest(project(tmp_path, report), print).run()
    lines = text.splitlines()
    assert lines[0].startswith("unit tests after the save: FAILED in ")
    assert lines[0].endswith("(make --no-print-directory test-unit):")
    assert lines[-1] == "  1 failed, 4 passed"
    assert len(lines) == 1 + retest.FAILURE_LINES and "  line 39" in lines


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE") or not shutil.which("chrt"), reason="Linux's idle class")
def test_the_tests_get_only_the_cpu_time_nothing_else_wants(retest, tmp_path):
    started = tmp_path / "started"
    tests = retest.Retest(project(tmp_path, f"touch {started}; sleep 30"), print)
    running = threading.Thread(target=tests.run)
    running.start()
    try:
        wait_until(started.exists, 30, what="the run starting")
        members = group_members(tests.process.pid)
        assert members and all(os.sched_getscheduler(pid) == os.SCHED_IDLE for pid in members), members
    finally:
        tests.stop()
        running.join()


def test_saves_during_a_run_get_one_run_after_it(retest, tmp_path):
    runs = tmp_path / "runs"
    said = []
    tests = retest.Retest(project(tmp_path, f"echo run >> {runs}; sleep 0.5"), said.append)
    alive = [True]
    follower = threading.Thread(target=tests.follow, args=(lambda: alive[0],))
    follower.start()
    try:
        tests.request()
        time.sleep(0.2)  # the first run is under way
        for _ in range(3):
            tests.request()
        deadline = time.monotonic() + 10
        while len(said) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.8)
    finally:
        alive[0] = False
        follower.join()
    assert runs.read_text().count("run") == 2
    assert len(said) == 2 and all("passed" in line for line in said)


def test_a_stop_ends_the_run_under_way_and_says_nothing(retest, tmp_path):
    said = []
    marker = tmp_path / "still-running"
    tests = retest.Retest(project(tmp_path, f"sleep 30; touch {marker}"), said.append)
    alive = [True]
    follower = threading.Thread(target=tests.follow, args=(lambda: alive[0],))
    follower.start()
    tests.request()
    deadline = time.monotonic() + 10
    while (tests.process is None or tests.process.poll() is not None) and time.monotonic() < deadline:
        time.sleep(0.05)
    group = tests.process.pid
    tests.stop()
    follower.join(10)
    alive[0] = False
    assert not follower.is_alive()
    assert said == []
    assert not group_members(group), "make or its sleep outlived the stop"


def test_a_run_past_its_time_is_ended_and_said_and_the_next_save_runs_again(retest, tmp_path, monkeypatch):
    monkeypatch.setattr(retest, "TIMEOUT_SECONDS", 0.5)
    tests = retest.Retest(project(tmp_path, "sleep 30"), print)
    line = tests.run()
    assert line == ("unit tests after the save: still running after 0.5 s; ended (the next save runs them "
                    "again)")
    assert not group_members(tests.process.pid)
    # The next run is not held by the ended one. (Its own recipe is quick: a run that must start
    # within 0.5 s to leave a trace would fail on a loaded machine.)
    monkeypatch.setattr(retest, "TIMEOUT_SECONDS", 60)
    project(tmp_path, "echo 1 passed")
    assert tests.run().startswith("unit tests after the save: passed in ")
