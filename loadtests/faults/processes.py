"""Breaking and repairing the local stack: the processes ``scripts/stack.sh`` started.

A backend is found by its pid file in ``$KOTOPOLKU_VAR/run``. Before it is killed its command line,
environment and working directory are read from ``/proc``, so it is started again exactly as
``stack.sh`` started it (same ports, database, keys), appending to the same log, and its pid file
is updated so that ``stack.sh down`` stops the new process. PostgreSQL is stopped in immediate
mode (a crash: no checkpoint, crash recovery at the next start) and started again on its data
with ``scripts/postgres.sh halt`` / ``resume``. Keycloak is frozen with SIGSTOP and resumed with
SIGCONT: it accepts connections but answers nothing, the harder case for a client, and it keeps
its realm and signing keys (a restart of the dev Keycloak would import a fresh realm).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


class StackError(RuntimeError):
    """The stack is not in the state the suite needs; the message says what to do."""


@dataclass(frozen=True, slots=True)
class ProcessImage:
    """What it takes to start a process again as it was started."""

    argv: list[str]
    environment: dict[str, str]
    cwd: str


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A killed child of ours stays a zombie until reaped; it is gone for our purpose.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _read_nul_list(path: Path) -> list[str]:
    return [part.decode() for part in path.read_bytes().split(b"\0") if part]


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


class StackProcesses:
    def __init__(self, var: Path, postgres_environment: dict[str, str] | None = None) -> None:
        self.var = var
        self.run = var / "run"
        self.logs = var / "log"
        self._postgres_environment = postgres_environment or {}
        self._started: list[subprocess.Popen[bytes]] = []

    def pid(self, name: str) -> int:
        path = self.run / f"{name}.pid"
        try:
            pid = int(path.read_text().strip())
        except (OSError, ValueError) as error:
            raise StackError(
                f"no pid file {path}: start the stack with scripts/stack.sh up"
            ) from error
        if not _alive(pid):
            raise StackError(f"{name} (pid {pid} from {path}) is not running")
        return pid

    def image(self, name: str) -> ProcessImage:
        pid = self.pid(name)
        proc = Path(f"/proc/{pid}")
        argv = _read_nul_list(proc / "cmdline")
        environment = dict(
            entry.split("=", 1) for entry in _read_nul_list(proc / "environ") if "=" in entry
        )
        return ProcessImage(argv, environment, os.readlink(proc / "cwd"))

    def kill(self, name: str) -> ProcessImage:
        """SIGKILL: no graceful shutdown, no chance to flush or finish a transaction."""
        image = self.image(name)
        pid = self.pid(name)
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while _alive(pid):
            if time.monotonic() > deadline:
                raise StackError(f"{name} (pid {pid}) survived SIGKILL")
            time.sleep(0.02)
        self._reap()
        return image

    def start(self, name: str, image: ProcessImage) -> int:
        self.logs.mkdir(parents=True, exist_ok=True)
        with (self.logs / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(
                image.argv,
                env=image.environment,
                cwd=image.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Like stack.sh's background jobs: it outlives this suite and is stopped by
                # `stack.sh down` through its pid file.
                start_new_session=True,
            )
        self._started.append(process)
        (self.run / f"{name}.pid").write_text(f"{process.pid}\n")
        return process.pid

    def _reap(self) -> None:
        self._started = [p for p in self._started if p.poll() is None]

    # PostgreSQL -----------------------------------------------------------------------------

    def _postgres(self, command: str) -> None:
        completed = subprocess.run(
            ["bash", str(REPO_ROOT / "scripts" / "postgres.sh"), command],
            env={**os.environ, **self._postgres_environment},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if completed.returncode != 0:
            raise StackError(f"postgres.sh {command} failed: {completed.stderr.strip()}")

    def halt_postgres(self) -> None:
        self._postgres("halt")

    def resume_postgres(self) -> None:
        self._postgres("resume")

    # Keycloak -------------------------------------------------------------------------------

    def _keycloak_tree(self) -> list[int]:
        pid = self.pid("keycloak")
        return [pid, *_children(pid)]

    def freeze_keycloak(self) -> list[int]:
        """SIGSTOP the Keycloak script and its JVM; returns the pids for :meth:`thaw`."""
        pids = self._keycloak_tree()
        for pid in reversed(pids):
            os.kill(pid, signal.SIGSTOP)
        return pids

    @staticmethod
    def thaw(pids: list[int]) -> None:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                continue
