"""What the deploy checks share: where the files are, the services' ports, compose interpolation."""

from __future__ import annotations

import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
SERVICE_PORTS = {"registry": 8001, "inspection": 8002, "complaints": 8003, "reporting": 8004}
WORKER_METRICS_PORT = 9100

_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def with_defaults(value: object, env: dict[str, str] | None = None) -> str:
    """A compose value as it reads with the variables of `env` set (none by default): `${NAME:-default}` becomes
    env's NAME, else `default`."""

    def default(match: re.Match[str]) -> str:
        if env and match.group(1) in env:
            return env[match.group(1)]
        return (match.group(3) or "") if match.group(2) in (":-", "-") else ""

    return _INTERPOLATION.sub(default, str(value)).replace("$$", "$")
