"""Start real offcampus processes (gunicorn web, workers, `up`) for end-to-end tests, and stop them for sure."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import requests

BIN = Path(sys.executable).parent


# Below Linux's ephemeral range (32768+): a port chosen here is not handed to some outgoing connection
# between the check and the server's bind.
_PORT_RANGE = (20000, 32000)


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


# Ports handed out by this process: a port chosen for one platform is not chosen again for another started
# beside it (in another thread) before the first has bound it.
_handed_out: set[int] = set()
_handing_out = threading.Lock()


def free_ports(count: int = 1) -> int:
    """The first of `count` consecutive loopback ports nobody listens on right now and that this process has not
    handed out before."""
    with _handing_out:
        for _ in range(200):
            base = random.randrange(_PORT_RANGE[0], _PORT_RANGE[1] - count)
            ports = range(base, base + count)
            if _handed_out.isdisjoint(ports) and all(_bindable(port) for port in ports):
                _handed_out.update(ports)
                return base
    raise RuntimeError(f"no {count} consecutive free ports in {_PORT_RANGE}")


def free_port() -> int:
    """A TCP port on loopback nobody listens on right now."""
    return free_ports(1)


class Process:
    """One child process with its output kept in a file, so a failing test can show it."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path):
        self.log = log
        self._out = log.open("wb")
        self.popen = subprocess.Popen(args, env=env, stdout=self._out, stderr=subprocess.STDOUT,
                                      start_new_session=True)

    def output(self) -> str:
        """Everything the process printed so far."""
        if not self._out.closed:
            self._out.flush()
        return self.log.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        """Signal the process group and wait; kill it if it does not go."""
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, sig)
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)
            except ProcessLookupError:
                pass
        self._out.close()
        return self.popen.returncode


def stop_all(processes: list[Process]) -> None:
    """Stop the processes: signalled all at once, then waited for one by one, so their graceful shutdowns run
    side by side instead of adding up."""
    for process in processes:
        if process.popen.poll() is None:
            try:
                os.killpg(process.popen.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    for process in processes:
        process.stop()


def offcampus(args: list[str], env: dict[str, str], log: Path) -> Process:
    """Run the `offcampus` command of this environment in the background."""
    return Process([str(BIN / "offcampus"), *args], env, log)


def wait_until(probe: Callable[[], bool], timeout: float, what: str, process: Process | None = None) -> None:
    """Poll `probe` until true; fail naming `what` (and the process's output) when time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if probe():
                return
        except requests.RequestException:
            pass
        if process is not None and process.popen.poll() is not None:
            raise AssertionError(f"{what}: the process exited early:\n{process.output()[-4000:]}")
        time.sleep(0.2)
    tail = f"\n{process.output()[-4000:]}" if process else ""
    raise AssertionError(f"timed out waiting for {what}{tail}")


def answers(url: str) -> Callable[[], bool]:
    """A probe that is true once `url` answers 200."""
    return lambda: requests.get(url, timeout=2).status_code == 200
