"""The processes of a running server, seen from this machine's /proc."""

import os
import time
from pathlib import Path


def statuses():
    """(pid, state, parent pid, process group) of every process, from /proc/PID/stat."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, parent, group = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, ValueError):
            continue  # the process ended while we looked
        yield int(stat.parent.name), state, int(parent), int(group)


def children(pid):
    """The PIDs whose parent is pid."""
    return [child for child, _, parent, _ in statuses() if parent == pid]


def group_members(group):
    """The PIDs of the processes of a process group that have not exited (a zombie has)."""
    return [pid for pid, state, _, pgrp in statuses() if pgrp == group and state != "Z"]


def command_line(pid):
    """The command line of process pid, or '' once it is gone."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def thread_count(pid):
    """How many threads process pid has (0 once it is gone)."""
    try:
        return len(list(Path(f"/proc/{pid}/task").iterdir()))
    except OSError:
        return 0


def where(pid):
    """What process pid and each of its threads waits in: 'TID state wchan', one a line."""
    found = []
    for task in sorted(Path(f"/proc/{pid}/task").glob("*"), key=lambda path: int(path.name)):
        try:
            state = (task / "stat").read_text().rsplit(")", 1)[1].split()[0]
            found.append(f"{task.name} {state} {(task / 'wchan').read_text() or '-'}")
        except OSError:
            continue  # it ended while we looked
    return "\n".join(found)


def tree(pid):
    """pid and all its descendants."""
    pids = [pid]
    for child in children(pid):
        pids += tree(child)
    return pids


def rss_bytes(pids):
    """The resident memory of the processes, summed."""
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


def handles(pid, sig):
    """Whether process pid has installed a handler for signal sig (its SigCgt mask)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) >> (sig - 1) & 1)
    return False


def socket_fds(pid):
    """The file descriptors of process pid that are sockets (one it closes while we look is not)."""
    found = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if os.readlink(fd).startswith("socket:"):
                found.append(int(fd.name))
        except FileNotFoundError:
            continue
    return found


def fd_flags(pid, fd):
    """The open-file flags (os.O_*) of descriptor fd of process pid."""
    for line in Path(f"/proc/{pid}/fdinfo/{fd}").read_text().splitlines():
        if line.startswith("flags:"):
            return int(line.split()[1], 8)
    raise LookupError(f"no flags for fd {fd} of process {pid}")


def cpu_seconds_each(pids):
    """{pid: CPU seconds used so far} of the processes still running, all their threads
    (ended ones too) counted."""
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we looked
        used[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime and stime
    return used


def cpu_seconds_used(pids, window):
    """CPU seconds the processes use over the next window seconds. A process that ends meanwhile
    is left out rather than subtracted: its last CPU time can no longer be read."""
    before = cpu_seconds_each(pids)
    time.sleep(window)
    after = cpu_seconds_each(before)
    return sum(after[pid] - before[pid] for pid in after)


def processes_in(directory, argument):
    """The PIDs whose working directory is directory and whose command line holds argument."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if argument.encode() in (proc / "cmdline").read_bytes().split(b"\0") and \
                    os.readlink(proc / "cwd") == str(directory):
                found.append(int(proc.name))
        except OSError:
            continue  # gone while we looked, or not ours to read
    return found
