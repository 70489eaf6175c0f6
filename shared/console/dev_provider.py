"""The development OpenID provider (deploy/oidc: oidc-provider under Debian's nodejs) for tests and `offcampus up`.

Development only: `offcampus up` refuses to start it in production, and its staff list's passwords are public.

Its packages come from the committed lockfile (`npm ci`), installed once when node_modules is missing; nothing
is downloaded while it runs. Each service gets a client whose redirect and sign-out URLs are that service's
console at the URL given.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROVIDER_DIR = Path(__file__).resolve().parents[2] / "deploy" / "oidc"
STAFF_FILE = PROVIDER_DIR / "staff.json"
UP_PORT = 8009  # beside the four services' 8001-8004 (moved by `--base-port` like them)


class ProviderUnavailable(RuntimeError):
    """Node or npm is missing, or the provider's packages cannot be installed from the lockfile."""


@dataclass(frozen=True)
class Client:
    """One service's client at the provider."""

    client_id: str
    client_secret: str


@dataclass
class ProviderSetup:
    """How a provider is started: its issuer URL, the clients by service, the environment of its process."""

    issuer: str
    clients: dict[str, Client]
    env: dict[str, str]

    def env_for(self, service: str) -> dict[str, str]:
        """What a service's process needs to sign people in through this provider."""
        client = self.clients[service]
        prefix = f"OFFCAMPUS_{service.upper()}_"
        return {"OFFCAMPUS_OIDC_ISSUER": self.issuer, prefix + "OIDC_CLIENT_ID": client.client_id,
                prefix + "OIDC_CLIENT_SECRET": client.client_secret}

    def env_for_all(self) -> dict[str, str]:
        """Every service's sign-in settings together (`offcampus up`)."""
        env: dict[str, str] = {}
        for service in self.clients:
            env.update(self.env_for(service))
        return env


def staff() -> list[dict]:
    """Who may sign in through the development provider, with their passwords (public: development only)."""
    return json.loads(STAFF_FILE.read_text(encoding="utf-8"))["people"]


def staff_member(login: str) -> dict:
    """One person of the staff list."""
    return next(person for person in staff() if person["login"] == login)


def ensure_packages() -> None:
    """Install the provider's packages from the committed lockfile once (`npm ci`), when they are missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        raise ProviderUnavailable("nodejs and npm are not installed: apt-get install nodejs npm")
    if (PROVIDER_DIR / "node_modules" / "oidc-provider" / "package.json").is_file():
        return
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=PROVIDER_DIR,
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise ProviderUnavailable(f"npm ci failed in {PROVIDER_DIR}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


def clients_for(service_urls: Mapping[str, str]) -> tuple[dict[str, Client], list[dict]]:
    """A client per service (fresh secrets) and the provider's registration of each."""
    clients, registered = {}, []
    for service, url in service_urls.items():
        client = Client(f"offcampus-{service}", secrets.token_urlsafe(24))
        clients[service] = client
        base = url.rstrip("/")
        registered.append({"client_id": client.client_id, "client_secret": client.client_secret,
                           "client_name": f"offcampus {service}",
                           "redirect_uris": [f"{base}/console/auth/callback"],
                           "post_logout_redirect_uris": [f"{base}/console/signed-out"]})
    return clients, registered


def provider_setup(service_urls: Mapping[str, str], port: int, host: str = "127.0.0.1") -> ProviderSetup:
    """The issuer, the clients and the environment of a provider on `host:port` for the services given."""
    issuer = f"http://{host}:{port}"
    clients, registered = clients_for(service_urls)
    env = {**os.environ, "OIDC_PORT": str(port), "OIDC_ISSUER": issuer, "OIDC_STAFF": str(STAFF_FILE),
           "OIDC_CLIENTS": json.dumps(registered), "NODE_ENV": "development"}
    return ProviderSetup(issuer, clients, env)


def command() -> list[str]:
    """The provider's command line."""
    return [shutil.which("node") or "node", str(PROVIDER_DIR / "provider.mjs")]


def start_for_up(service_urls: Mapping[str, str], port: int, log_path: Path) -> tuple[subprocess.Popen, ProviderSetup]:
    """Start the provider beside `offcampus up` and point this process's consoles at it (development only)."""
    ensure_packages()
    setup = provider_setup(service_urls, port)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        process = subprocess.Popen(command(), env=setup.env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    for service in setup.clients:
        os.environ.update(setup.env_for(service))
    return process, setup


def who_can_sign_in() -> list[str]:
    """Lines naming each person of the staff list: login, password, roles, department, town."""
    lines = []
    for person in staff():
        where = " ".join(filter(None, [person.get("dept") or "", person.get("town") or ""]))
        lines.append(f"  {person['login']:<13} {person['password']:<20} {','.join(person['roles'])} {where}".rstrip())
    return lines
