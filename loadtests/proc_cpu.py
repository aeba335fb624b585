"""CPU time of local processes from /proc: where the time of a request goes, independently of
what else runs on the machine (latency is not; CPU time hardly is)."""

from __future__ import annotations

import os
from pathlib import Path


def cpu_seconds(pid: int, *, reaped_children: bool = False) -> tuple[float, int]:
    """(user + system CPU seconds, parent pid) of a process; with ``reaped_children`` also the
    CPU of its children that have exited (PostgreSQL backends of closed connections)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if reaped_children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK"), int(fields[1])


def listening_pid(port: int) -> int | None:
    """The process listening on 127.0.0.1:port (or any address), found through /proc."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            columns = line.split()
            if columns[3] == "0A" and int(columns[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{columns[9]}]")
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if any(os.readlink(fd) in inodes for fd in (proc / "fd").iterdir()):
                return int(proc.name)
        except OSError:
            continue
    return None


def postgres_cpu_seconds(postmaster: int) -> float:
    """CPU seconds of a PostgreSQL server: the postmaster, its live and its exited children."""
    total, _ = cpu_seconds(postmaster, reaped_children=True)
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and proc.name != str(postmaster):
            try:
                cpu, parent = cpu_seconds(int(proc.name))
            except (OSError, ValueError, IndexError):
                continue
            if parent == postmaster:
                total += cpu
    return total


def children(parent: int) -> list[int]:
    """Live child processes of a process (PostgreSQL backends of its postmaster)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if cpu_seconds(int(proc.name))[1] == parent:
                    found.append(int(proc.name))
            except (OSError, ValueError, IndexError):
                continue
    return found


def pin(pids: list[int], cpus: set[int]) -> dict[int, set[int]]:
    """Restricts every thread of these processes to ``cpus``; returns what each thread had, for
    :func:`unpin`. Threads that end meanwhile are skipped."""
    previous: dict[int, set[int]] = {}
    for pid in pids:
        try:
            threads = [int(task.name) for task in Path(f"/proc/{pid}/task").iterdir()]
        except OSError:
            continue
        for tid in threads:
            try:
                previous[tid] = os.sched_getaffinity(tid)
                os.sched_setaffinity(tid, cpus)
            except OSError:
                continue
    return previous


def unpin(previous: dict[int, set[int]]) -> None:
    for tid, cpus in previous.items():
        try:
            os.sched_setaffinity(tid, cpus)
        except OSError:
            continue
