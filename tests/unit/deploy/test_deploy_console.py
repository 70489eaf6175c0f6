"""The staff consoles' identity provider in the deployments: docker compose runs the development provider
(deploy/oidc) in the `development` profile and tells each web its issuer and client; Kubernetes takes the
issuer from the overlay (the county's provider, a placeholder) and each client secret and session key from a
Secret named per service. No secret is ever written in either."""

from __future__ import annotations

import copy
import json
import os
import re
import secrets
import subprocess
from urllib.parse import urlsplit

import dockerfile
import pytest
import requests
from deploy_support import REPO_ROOT, SERVICE_PORTS, with_defaults
from kubernetes_support import OVERLAYS, SERVICES, name_of

PROVIDER = "oidc"
OIDC_DIR = REPO_ROOT / "deploy" / "oidc"
SECRET_VARIABLES = [f"OFFCAMPUS_{svc.upper()}_OIDC_CLIENT_SECRET" for svc in SERVICE_PORTS]


def _markers() -> dict[str, str]:
    """A value for every secret variable, each different, as an operator's .env would give."""
    return {name: f"secret-of-{name.lower()}" for name in SECRET_VARIABLES}


def provider_clients(compose: dict, env: dict[str, str]) -> dict[str, dict]:
    """client_id → client, as the development provider reads OIDC_CLIENTS with `env` set."""
    raw = compose["services"][PROVIDER]["environment"]["OIDC_CLIENTS"]
    return {client["client_id"]: client for client in json.loads(with_defaults(raw, env))}


def compose_console_problems(compose: dict) -> list[str]:
    """What would keep a console from signing in through the development provider, or would commit a secret."""
    services = compose.get("services") or {}
    provider = services.get(PROVIDER)
    if provider is None:
        return [f"the development provider ({PROVIDER}) is missing"]
    problems = []
    if provider.get("profiles") != ["development"]:
        problems.append(f"{PROVIDER} runs outside the development profile: {provider.get('profiles')}")
    env = provider.get("environment") or {}
    issuer = with_defaults(env.get("OIDC_ISSUER", ""))
    where = urlsplit(issuer)
    aliases = ((provider.get("networks") or {}).get("default") or {}).get("aliases") or []
    if where.hostname not in aliases:
        problems.append(f"the services cannot reach the issuer {issuer}: {where.hostname} is no alias of {PROVIDER}")
    published = {(p.get("target"), int(p.get("published"))) for p in provider.get("ports") or []}
    if (where.port, where.port) not in published or with_defaults(env.get("OIDC_PORT")) != str(where.port):
        problems.append(f"a browser cannot reach the issuer {issuer}: {PROVIDER} listens and publishes {published}")
    try:
        clients = provider_clients(compose, _markers())
    except (KeyError, ValueError) as exc:
        return [*problems, f"{PROVIDER}'s OIDC_CLIENTS is no JSON list of clients: {exc}"]
    for client in clients.values():
        if with_defaults(json.dumps(client)) != json.dumps(client) or not client["client_secret"].startswith(
                "secret-of-"):
            problems.append(f"{PROVIDER}'s client {client['client_id']} has a secret written in the file")
    for svc, port in SERVICE_PORTS.items():
        web, prefix = f"{svc}-web", f"OFFCAMPUS_{svc.upper()}_"
        web_env = (services.get(web) or {}).get("environment") or {}
        if with_defaults(web_env.get("OFFCAMPUS_OIDC_ISSUER", "")) != issuer:
            problems.append(f"{web} is sent to {with_defaults(web_env.get('OFFCAMPUS_OIDC_ISSUER', ''))!r}, "
                            f"not the provider's issuer {issuer}")
        secret = web_env.get(prefix + "OIDC_CLIENT_SECRET", "")
        if with_defaults(secret) != "" or prefix + "OIDC_CLIENT_SECRET" not in secret:
            problems.append(f"{web}'s client secret is not taken from {prefix}OIDC_CLIENT_SECRET alone")
        client = clients.get(with_defaults(web_env.get(prefix + "OIDC_CLIENT_ID", ""), _markers()))
        if client is None:
            problems.append(f"{web}'s client {with_defaults(web_env.get(prefix + 'OIDC_CLIENT_ID', ''))!r} "
                            f"is not registered at {PROVIDER}")
            continue
        if client["client_secret"] != with_defaults(secret, _markers()):
            problems.append(f"{web} and {PROVIDER} are given different secrets for {client['client_id']}")
        if f"http://127.0.0.1:{port}/console/auth/callback" not in client.get("redirect_uris", []):
            problems.append(f"{PROVIDER} does not send {client['client_id']} back to its console on port {port}")
    return problems


def test_compose_runs_the_development_provider_and_points_each_console_at_it(compose):
    assert compose_console_problems(compose) == []
    assert compose["services"][PROVIDER]["build"]["context"] == "./deploy/oidc"


def _drop(path: list[str]):
    def mutate(document: dict) -> None:
        node = document
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return mutate


def _put(path: list[str], value: object):
    def mutate(document: dict) -> None:
        node = document
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return mutate


def _clients(edit):
    def mutate(document: dict) -> None:
        env = document["services"][PROVIDER]["environment"]
        clients = json.loads(env["OIDC_CLIENTS"])
        edit(clients)
        env["OIDC_CLIENTS"] = json.dumps(clients)
    return mutate


WEB = ["services", "registry-web", "environment"]
CONSOLE_BREAKAGES = {
    "provider in every profile": (_drop(["services", PROVIDER, "profiles"]),
                                  f"{PROVIDER} runs outside the development profile"),
    "issuer host unknown inside": (_put(["services", PROVIDER, "networks", "default", "aliases"], []),
                                   "the services cannot reach the issuer http://oidc.localhost:8009"),
    "another issuer for one web": (_put([*WEB, "OFFCAMPUS_OIDC_ISSUER"], "http://127.0.0.1:8009"),
                                   "registry-web is sent to 'http://127.0.0.1:8009'"),
    "a committed secret": (_put([*WEB, "OFFCAMPUS_REGISTRY_OIDC_CLIENT_SECRET"], "s3cret-in-git"),
                           "registry-web's client secret is not taken from OFFCAMPUS_REGISTRY_OIDC_CLIENT_SECRET"),
    "a committed secret at the provider": (
        _clients(lambda clients: clients[1].update(client_secret="s3cret-in-git")),
        f"{PROVIDER}'s client offcampus-inspection has a secret written in the file"),
    "a client missing": (_clients(lambda clients: clients.pop(3)),
                         f"reporting-web's client 'offcampus-reporting' is not registered at {PROVIDER}"),
    "redirect to another port": (
        _clients(lambda clients: clients[2].update(redirect_uris=["http://127.0.0.1:8004/console/auth/callback"])),
        f"{PROVIDER} does not send offcampus-complaints back to its console on port 8003"),
    "provider missing": (_drop(["services", PROVIDER]), f"the development provider ({PROVIDER}) is missing"),
}


@pytest.mark.parametrize("breakage", CONSOLE_BREAKAGES, ids=list(CONSOLE_BREAKAGES))
def test_a_console_the_compose_file_would_leave_unable_to_sign_in_is_named(compose, breakage):
    mutate, expected = CONSOLE_BREAKAGES[breakage]

    mutate(compose)

    problems = compose_console_problems(compose)
    assert any(problem.startswith(expected) for problem in problems), problems


# ----------------------------------------------------------------------------- the provider's image


def _node_major() -> int | None:
    try:
        done = subprocess.run(["node", "--version"], capture_output=True, text=True, timeout=30)
    except FileNotFoundError:
        return None
    return int(done.stdout.strip().lstrip("v").split(".")[0])


def test_the_provider_image_installs_from_the_lockfile_on_the_node_the_tests_run(compose):
    commands = dockerfile.parse_file(str(OIDC_DIR / "Dockerfile"))
    (base,) = [c.value[0] for c in commands if c.cmd == "FROM"]
    runs = [" ".join(c.value) for c in commands if c.cmd == "RUN"]
    copied = [c.value[:-1] for c in commands if c.cmd == "COPY"]
    assert re.fullmatch(r"node:(\d+)-bookworm-slim", base), base
    major = _node_major()
    assert major is None or base == f"node:{major}-bookworm-slim", f"tests run Node {major}, the image {base}"
    assert any(run.startswith("npm ci ") for run in runs), runs
    assert ("package.json", "package-lock.json") in copied
    assert [c.value for c in commands if c.cmd == "USER"] == [("node",)]
    assert [c.value for c in commands if c.cmd == "CMD"] == [("node", "provider.mjs")]
    ignored = (OIDC_DIR / ".dockerignore").read_text().split()
    assert ignored[ignored.index("*") + 1:] and "!node_modules" not in ignored  # an allowlist without node_modules
    image_env = dict(zip(*[iter(next(c.value for c in commands if c.cmd == "ENV"))] * 2, strict=True))
    assert image_env["OIDC_PORT"] == compose["services"][PROVIDER]["environment"]["OIDC_PORT"]


# ------------------------------------------------------- the provider run with the compose file's clients


def _started(compose: dict, env: dict[str, str], tmp_path, port: int):
    from shared.console.dev_provider import command, ensure_packages
    from shared.testing.processes import Process

    ensure_packages()
    provider_env = {key: with_defaults(value, env) for key, value in compose["services"][PROVIDER]["environment"]
                    .items()}
    # on this machine: loopback and a free port instead of the container's 0.0.0.0:8009
    provider_env.update(OIDC_HOST="127.0.0.1", OIDC_PORT=str(port), OIDC_ISSUER=f"http://127.0.0.1:{port}")
    return Process(command(), {**os.environ, **provider_env, "NODE_ENV": "development"}, tmp_path / "oidc.log")


def test_the_provider_accepts_each_compose_client_and_refuses_one_it_does_not_know(compose, tmp_path):
    from shared.testing.processes import free_port, wait_until

    port = free_port()
    process = _started(compose, {name: secrets.token_urlsafe(16) for name in SECRET_VARIABLES}, tmp_path, port)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: requests.get(f"{base}/.well-known/openid-configuration", timeout=2).ok, 60,
                   "the development provider", process)

        def authorize(client_id: str, redirect: str) -> requests.Response:
            return requests.get(f"{base}/auth", allow_redirects=False, timeout=10, params={
                "client_id": client_id, "redirect_uri": redirect, "response_type": "code", "scope": "openid",
                "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method": "S256"})

        for svc, web_port in SERVICE_PORTS.items():
            answer = authorize(f"offcampus-{svc}", f"http://127.0.0.1:{web_port}/console/auth/callback")
            assert answer.status_code == 303 and "/interaction/" in answer.headers["Location"], (svc, answer.text)
        stranger = authorize("offcampus-stranger", "http://127.0.0.1:8001/console/auth/callback")
        assert stranger.status_code == 400 and "invalid_client" in stranger.text
    finally:
        process.stop()


def test_the_provider_will_not_start_while_a_consoles_secret_is_unset(compose, tmp_path):
    from shared.testing.processes import free_port

    process = _started(compose, {}, tmp_path, free_port())
    try:
        assert process.popen.wait(60) == 2
    finally:
        process.stop()
    assert "no client_secret for offcampus-registry, offcampus-inspection" in process.output()


# ------------------------------------------------------------------------------------- Kubernetes


def kubernetes_console_problems(objects: list[dict]) -> list[str]:
    """Each web whose console has no issuer from the overlay, no client id, or a secret not from its Secret."""
    config_maps = {o["metadata"]["name"]: o.get("data", {}) for o in objects if o["kind"] == "ConfigMap"}
    problems = []
    for web in [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"].endswith("-web")]:
        svc = web["metadata"]["name"].removesuffix("-web")
        prefix = f"OFFCAMPUS_{svc.upper()}_"
        (container,) = web["spec"]["template"]["spec"]["containers"]
        settings: dict[str, str] = {}
        for source in container.get("envFrom", []):
            settings.update(config_maps.get(source["configMapRef"]["name"], {}))
        given = settings.get("OFFCAMPUS_OIDC_ISSUER")
        issuer = urlsplit(given or "")
        if issuer.scheme != "https" or not issuer.hostname:
            problems.append(f"{name_of(web)}: no https issuer for the console ({given})")
        if settings.get(prefix + "OIDC_CLIENT_ID") != f"offcampus-{svc}":
            problems.append(f"{name_of(web)}: client id {settings.get(prefix + 'OIDC_CLIENT_ID')!r}, "
                            f"not offcampus-{svc}")
        env = {e["name"]: e for e in container.get("env", [])}
        for variable, key in ((prefix + "OIDC_CLIENT_SECRET", "oidc-client-secret"),
                              (prefix + "CONSOLE_SECRET_KEY", "session-key")):
            ref = (env.get(variable, {}).get("valueFrom") or {}).get("secretKeyRef")
            if ref != {"name": f"{svc}-console", "key": key}:
                problems.append(f"{name_of(web)}: {variable} is not the Secret {svc}-console's {key} ({ref})")
    return problems


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_console_signs_in_through_the_overlays_provider_with_secrets_by_name(rendered, overlay):
    objects = rendered[overlay]
    assert kubernetes_console_problems(objects) == []
    webs = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"].endswith("-web")]
    assert sorted(o["metadata"]["name"] for o in webs) == sorted(f"{s}-web" for s in SERVICES)
    (oidc,) = [o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith("offcampus-oidc")]
    assert oidc["data"] == {"OFFCAMPUS_OIDC_ISSUER": "https://id.county.example/realms/offcampus"}  # placeholder


def test_a_console_without_issuer_or_with_a_written_secret_is_named(rendered):
    objects = copy.deepcopy(rendered["county"])
    web = next(o for o in objects if name_of(o) == "Deployment/inspection-web")
    container = web["spec"]["template"]["spec"]["containers"][0]
    container["envFrom"] = [ref for ref in container["envFrom"] if "oidc" not in ref["configMapRef"]["name"]]
    for entry in container["env"]:
        if entry["name"] == "OFFCAMPUS_INSPECTION_OIDC_CLIENT_SECRET":
            entry.pop("valueFrom")
            entry["value"] = "s3cret-in-git"
    assert kubernetes_console_problems(objects) == [
        "Deployment/inspection-web: no https issuer for the console (None)",
        "Deployment/inspection-web: OFFCAMPUS_INSPECTION_OIDC_CLIENT_SECRET is not the Secret inspection-console's "
        "oidc-client-secret (None)",
    ]
