"""docker-compose.yml: valid Compose, every service's three roles, healthy-gated start order, no port clash.

There is no Docker engine here, so the file is checked against the Compose Specification's JSON schema
(the copy check-jsonschema ships, Apache-2.0, see its licenses/LICENSE.compose-spec) and for the structure
the stack relies on. Each structural rule is also shown to fire on a deliberately broken copy.
"""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from functools import cache
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest
from deploy_support import SERVICE_PORTS, WORKER_METRICS_PORT, with_defaults

INFRASTRUCTURE = ("postgres", "rabbitmq")
EVERY_INTERFACE = "0.0.0.0"  # noqa: S104 (what docker publishes on when no host address is given)
ROLES = ("migrate", "web", "worker")


@cache
def compose_validator() -> jsonschema.Draft202012Validator:
    """The Compose Specification schema, read from the installed check-jsonschema package (offline)."""
    schema = json.loads(files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def schema_errors(document: dict) -> list[str]:
    """Every place the document breaks the Compose Specification, as `path: message`."""
    return [f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
            for error in compose_validator().iter_errors(document)]


def _environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: with_defaults(value) for key, value in env.items()}


def _is_one_shot(service: dict) -> bool:
    return service.get("restart", "no") in ("no", False)


def _healthcheck_enabled(service: dict) -> bool:
    check = service.get("healthcheck")
    return bool(check) and not check.get("disable") and check.get("test") not in (None, [], ["NONE"], "NONE")


def published_ports(service: dict) -> Iterator[tuple[str, int]]:
    """(host address, host port) for every port the service publishes, short or long syntax."""
    for entry in service.get("ports") or []:
        if isinstance(entry, dict):
            host_ip, published = entry.get("host_ip", EVERY_INTERFACE), entry.get("published")
        else:
            parts = with_defaults(entry).split("/")[0].rsplit(":", 2)
            if len(parts) == 1:
                continue  # a container port alone gets a random host port: it cannot clash
            host_ip, published = (parts[0] if len(parts) == 3 else EVERY_INTERFACE), parts[-2]
        if published in (None, ""):
            continue
        first, _, last = with_defaults(published).partition("-")
        for port in range(int(first), int(last or first) + 1):
            yield with_defaults(host_ip), port


def _role_problems(services: dict) -> list[str]:
    problems = []
    for svc in SERVICE_PORTS:
        for role in ROLES:
            if f"{svc}-{role}" not in services:
                problems.append(f"{svc}-{role} is missing")
    return problems


def _dependency_problems(services: dict) -> list[str]:
    problems = []
    for name, service in services.items():
        depends_on = service.get("depends_on") or {}
        if isinstance(depends_on, list):
            problems += [f"{name} depends on {target} without a condition" for target in depends_on]
            continue
        for target, rule in depends_on.items():
            condition = (rule or {}).get("condition")
            if target not in services:
                problems.append(f"{name} depends on {target}, which is not a service")
                continue
            wanted = "service_completed_successfully" if _is_one_shot(services[target]) else "service_healthy"
            if condition != wanted:
                problems.append(f"{name} waits for {target} to be {condition}, not {wanted}")
            if wanted == "service_healthy" and not _healthcheck_enabled(services[target]):
                problems.append(f"{name} waits for {target} to be healthy, but it has no healthcheck")
    for svc in SERVICE_PORTS:
        required = {f"{svc}-migrate": "postgres", f"{svc}-web": (f"{svc}-migrate", *INFRASTRUCTURE),
                    f"{svc}-worker": (f"{svc}-migrate", *INFRASTRUCTURE)}
        for name, targets in required.items():
            depends_on = (services.get(name) or {}).get("depends_on") or {}
            for target in (targets,) if isinstance(targets, str) else targets:
                if name in services and target not in depends_on:
                    problems.append(f"{name} does not wait for {target}")
    return problems


def _healthcheck_problems(services: dict) -> list[str]:
    problems = []
    for name, service in services.items():
        if "healthcheck" not in service:
            problems.append(f"{name} has no healthcheck")
        elif not _healthcheck_enabled(service) and not _is_one_shot(service):
            problems.append(f"{name} disables its healthcheck but keeps running")
    return problems


def _port_problems(services: dict) -> list[str]:
    problems, owners = [], {}
    for name, service in services.items():
        for host_ip, port in published_ports(service):
            if host_ip != "127.0.0.1":
                problems.append(f"{name} publishes port {port} on {host_ip or 'all interfaces'}, not 127.0.0.1")
            if port in owners and owners[port] != name:
                problems.append(f"host port {port} is published by both {owners[port]} and {name}")
            owners.setdefault(port, name)
    return problems


def _process_problems(services: dict) -> list[str]:
    """Each role runs the right command, probes its own port and is given only its own database."""
    problems = []
    for svc, port in SERVICE_PORTS.items():
        database_urls = {f"OFFCAMPUS_{other.upper()}_DATABASE_URL": other for other in SERVICE_PORTS}
        for role in ROLES:
            name = f"{svc}-{role}"
            service = services.get(name)
            if service is None:
                continue
            command = [with_defaults(part) for part in service.get("command") or []]
            env = _environment(service)
            probe = " ".join(map(str, (service.get("healthcheck") or {}).get("test") or []))
            expected = {"migrate": ["migrate", svc], "web": ["serve", svc, "--bind", f"0.0.0.0:{port}"],
                        "worker": ["worker", svc]}[role]
            if command[:len(expected)] != expected:
                problems.append(f"{name} runs {command}, expected it to start with {expected}")
            own = f"OFFCAMPUS_{svc.upper()}_DATABASE_URL"
            if not env.get(own, "").endswith(f"/{svc}"):
                problems.append(f"{name} is not given its own database in {own}")
            for key, other in database_urls.items():
                if other != svc and key in env:
                    problems.append(f"{name} is given {other}'s database")
            if role != "migrate":
                for key in ("OFFCAMPUS_AMQP_URL", "OFFCAMPUS_ENV"):
                    if not env.get(key):
                        problems.append(f"{name} has no {key}")
                if not (env.get("OFFCAMPUS_JWT_SECRET") or env.get("OFFCAMPUS_JWT_PUBLIC_KEY")):
                    problems.append(f"{name} has no JWT key to check tokens with")
            if role == "web" and f"127.0.0.1:{port}/readyz" not in probe:
                problems.append(f"{name}'s healthcheck does not ask /readyz on port {port}")
            if role == "worker":
                if env.get("OFFCAMPUS_METRICS_PORT") != str(WORKER_METRICS_PORT):
                    problems.append(f"{name} does not serve metrics on port {WORKER_METRICS_PORT}")
                if f"127.0.0.1:{WORKER_METRICS_PORT}/" not in probe:
                    problems.append(f"{name}'s healthcheck does not ask its metrics port")
    return problems


def structure_problems(document: dict) -> list[str]:
    """What would make the stack start wrong, start out of order, or not start at all."""
    services = document.get("services") or {}
    return (_role_problems(services) + _dependency_problems(services) + _healthcheck_problems(services)
            + _port_problems(services) + _process_problems(services))


def bind_mount_sources(document: dict) -> Iterator[tuple[str, str]]:
    """(service, host path) of every bind mount given as a relative path."""
    for name, service in (document.get("services") or {}).items():
        for volume in service.get("volumes") or []:
            source = volume.get("source") if isinstance(volume, dict) else volume.split(":", 1)[0]
            if source and source.startswith("."):
                yield name, source


# ------------------------------------------------------------------------------------------------- tests


def test_compose_file_follows_the_compose_specification(compose):
    assert schema_errors(compose) == []


def test_schema_check_refuses_an_unknown_key_and_an_unknown_condition(compose):
    compose["services"]["registry-web"]["dependson"] = ["postgres"]
    compose["services"]["registry-worker"]["depends_on"]["postgres"]["condition"] = "healthy"

    errors = "\n".join(schema_errors(compose))

    assert "dependson" in errors
    assert "services/registry-worker/depends_on" in errors


def test_every_service_has_migrate_web_and_worker_started_in_order_and_health_checked(compose):
    assert structure_problems(compose) == []


def _set(path: str, value: object) -> Callable[[dict], None]:
    def mutate(document: dict) -> None:
        *parents, last = path.split("/")
        node = document
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if value is _DELETE:
            del node[last]
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return mutate


_DELETE = object()
S = "services/"

BREAKAGES = {
    "a role is missing": (_set(S + "reporting-worker", _DELETE), "reporting-worker is missing"),
    "a dependency without condition": (_set(S + "registry-web/depends_on", ["postgres"]),
                                       "registry-web depends on postgres without a condition"),
    "broker only started": (_set(S + "inspection-worker/depends_on/rabbitmq/condition", "service_started"),
                            "inspection-worker waits for rabbitmq to be service_started, not service_healthy"),
    "migrate awaited as healthy": (
        _set(S + "complaints-web/depends_on/complaints-migrate/condition", "service_healthy"),
        "complaints-web waits for complaints-migrate to be service_healthy, not service_completed_successfully"),
    "migration not awaited": (_set(S + "reporting-web/depends_on/reporting-migrate", _DELETE),
                              "reporting-web does not wait for reporting-migrate"),
    "database without healthcheck": (_set(S + "postgres/healthcheck", _DELETE), "postgres has no healthcheck"),
    "web healthcheck disabled": (_set(S + "registry-web/healthcheck", {"disable": True}),
                                 "registry-web disables its healthcheck"),
    "two services on one host port": (_set(S + "complaints-web/ports/0/published", "8001"),
                                      "host port 8001 is published by both registry-web and complaints-web"),
    "short-syntax port clash": (_set(S + "registry-worker/ports", ["127.0.0.1:3000:3000"]),
                                "host port 3000 is published by both"),
    "published on every interface": (_set(S + "postgres/ports", ["5433:5432"]),
                                      "postgres publishes port 5433 on 0.0.0.0"),
    "web on another port": (_set(S + "inspection-web/command/3", "0.0.0.0:9000"),
                            "inspection-web runs ['serve', 'inspection', '--bind', '0.0.0.0:9000'"),
    "readiness probe on another port": (_set(S + "registry-web/healthcheck/test/4", "http://127.0.0.1:8002/readyz"),
                                        "registry-web's healthcheck does not ask /readyz on port 8001"),
    "another service's database": (
        _set(S + "reporting-worker/environment/OFFCAMPUS_REGISTRY_DATABASE_URL", "postgresql://x@postgres/registry"),
        "reporting-worker is given registry's database"),
    "worker without metrics port": (_set(S + "complaints-worker/environment/OFFCAMPUS_METRICS_PORT", _DELETE),
                                    "complaints-worker does not serve metrics on port 9100"),
    "web without broker": (_set(S + "registry-web/environment/OFFCAMPUS_AMQP_URL", _DELETE),
                           "registry-web has no OFFCAMPUS_AMQP_URL"),
}


@pytest.mark.parametrize("breakage", BREAKAGES, ids=list(BREAKAGES))
def test_a_broken_copy_of_the_compose_file_is_reported(compose, breakage):
    mutate, expected = BREAKAGES[breakage]

    mutate(compose)

    problems = structure_problems(compose)
    assert any(expected in problem for problem in problems), problems


def test_every_bind_mounted_file_is_in_the_repository(compose, repo_root: Path):
    missing = [f"{name}: {source}" for name, source in bind_mount_sources(compose)
               if not (repo_root / source).exists()]
    # docker would mount an empty directory in place of a missing file, and the service would fail late.
    assert missing == [], "missing files (deploy/rabbitmq/definitions.json comes from `offcampus events topology`)"


def test_bind_mounts_are_checked(compose):
    sources = dict(bind_mount_sources(compose))
    assert sources["rabbitmq-definitions"] == "./deploy/rabbitmq/definitions.json"
    assert sources["prometheus"].startswith("./deploy/prometheus/")


# ------------------------------------------------------------------------ the healthcheck probe itself


class _Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(503 if self.path == "/readyz-down" else 200)
        self.end_headers()

    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture
def local_server() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _probe_exit_code(compose: dict, url: str) -> int:
    command = compose["services"]["registry-web"]["healthcheck"]["test"]
    assert command[:3] == ["CMD", "python", "-c"]
    # The same argv the container runs, with this interpreter and a URL on this machine.
    return subprocess.run([sys.executable, "-c", command[3], url], capture_output=True, timeout=30).returncode


def test_healthcheck_probe_passes_only_when_the_service_answers_2xx(compose, local_server):
    assert _probe_exit_code(compose, f"http://127.0.0.1:{local_server}/readyz") == 0
    assert _probe_exit_code(compose, f"http://127.0.0.1:{local_server}/readyz-down") != 0
    assert _probe_exit_code(compose, "http://127.0.0.1:9/readyz") != 0  # discard port: nothing listens
