"""Prometheus, Grafana, RabbitMQ and PostgreSQL configuration agree with docker-compose.yml."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path, PurePosixPath

import pytest
import sqlalchemy as sa
import yaml
from deploy_support import REPO_ROOT, SERVICE_PORTS, WORKER_METRICS_PORT, with_defaults
from sqlalchemy.engine import make_url

BUS_METRICS = ("offcampus_events_published_total", "offcampus_events_consumed_total", "offcampus_outbox_pending",
               "offcampus_dead_letters_total", "offcampus_event_lag_seconds")
RABBITMQ_METRICS_TARGET = "rabbitmq:15692/metrics"


def _mounts(service: dict) -> dict[str, str]:
    """Container path -> host path of a service's relative bind mounts."""
    mounts = {}
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            source, target = volume.get("source", ""), volume.get("target", "")
        else:
            source, target = (volume.split(":") + [""])[:2]
        if source.startswith("."):
            mounts[target] = source
    return mounts


def _host_path(service: dict, container_path: str) -> Path | None:
    """Where in the repository a file the container reads comes from, if it is bind-mounted."""
    path = PurePosixPath(container_path)
    for target, source in _mounts(service).items():
        if path == PurePosixPath(target) or PurePosixPath(target) in path.parents:
            return REPO_ROOT / source / path.relative_to(target)
    return None


def expected_scrape_targets(compose: dict) -> set[str]:
    """host:port/metrics of every web (on its --bind port) and worker (on its metrics port)."""
    targets = set()
    for name, service in compose["services"].items():
        command = [with_defaults(part) for part in service.get("command") or []]
        if command[:1] == ["serve"] and "--bind" in command:
            targets.add(f"{name}:{command[command.index('--bind') + 1].rsplit(':', 1)[1]}/metrics")
        elif command[:1] == ["worker"]:
            env = service.get("environment") or {}
            targets.add(f"{name}:{with_defaults(env.get('OFFCAMPUS_METRICS_PORT', ''))}/metrics")
    return targets


def scrape_targets(prometheus: dict) -> dict[str, str]:
    """host:port/path -> job name, over static and DNS-discovered targets."""
    targets = {}
    for job in prometheus.get("scrape_configs") or []:
        path = job.get("metrics_path", "/metrics")
        for static in job.get("static_configs") or []:
            targets.update({f"{target}{path}": job["job_name"] for target in static.get("targets") or []})
        for dns in job.get("dns_sd_configs") or []:
            targets.update({f"{name}:{dns.get('port')}{path}": job["job_name"] for name in dns.get("names") or []})
    return targets


def scrape_problems(prometheus: dict, compose: dict) -> list[str]:
    """Processes Prometheus would not see, and targets that are not in the stack."""
    problems = []
    scraped = scrape_targets(prometheus)
    for target in sorted(expected_scrape_targets(compose) | {RABBITMQ_METRICS_TARGET}):
        if target not in scraped:
            problems.append(f"{target} is not scraped")
    for target in scraped:
        host = target.split(":", 1)[0]
        if host not in compose["services"] and host not in ("127.0.0.1", "localhost"):
            problems.append(f"{target} is scraped but {host} is not a compose service")
    names = [job["job_name"] for job in prometheus.get("scrape_configs") or []]
    problems += [f"job {name} is defined twice" for name in sorted(set(names)) if names.count(name) > 1]
    return problems


def _relabel(job: dict, labels: dict[str, str]) -> dict[str, str]:
    """Prometheus' `replace` relabelling, enough for the rules this config uses."""
    labels = dict(labels)
    for rule in job.get("relabel_configs") or []:
        value = rule.get("separator", ";").join(labels.get(name, "") for name in rule["source_labels"])
        match = re.fullmatch(rule.get("regex", "(.*)"), value)
        if match and rule.get("action", "replace") == "replace":
            labels[rule["target_label"]] = match.expand(re.sub(r"\$(\d+)", r"\\\1", rule.get("replacement", "$1")))
    return labels


# ------------------------------------------------------------------------------------------ Prometheus


def test_prometheus_scrapes_every_web_every_worker_and_rabbitmq(prometheus_config, compose):
    assert len(expected_scrape_targets(compose)) == 2 * len(SERVICE_PORTS)
    assert scrape_problems(prometheus_config, compose) == []


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda prom, compose: prom["scrape_configs"][1]["dns_sd_configs"][0]["names"].remove("complaints-worker"),
     f"complaints-worker:{WORKER_METRICS_PORT}/metrics is not scraped"),
    (lambda prom, compose: compose["services"]["registry-web"]["command"].__setitem__(3, "0.0.0.0:8011"),
     "registry-web:8011/metrics is not scraped"),
    (lambda prom, compose: prom["scrape_configs"].pop(2), f"{RABBITMQ_METRICS_TARGET} is not scraped"),
    (lambda prom, compose: compose["services"].pop("reporting-worker"),
     "reporting-worker:9100/metrics is scraped but reporting-worker is not a compose service"),
], ids=["worker dropped", "web moved", "rabbitmq dropped", "stale target"])
def test_a_scrape_gap_is_reported(prometheus_config, compose, mutate, expected):
    prometheus = json.loads(json.dumps(prometheus_config))

    mutate(prometheus, compose)

    assert expected in scrape_problems(prometheus, compose)


def test_scraped_processes_are_labelled_with_their_service_and_role(prometheus_config):
    jobs = {job["job_name"]: job for job in prometheus_config["scrape_configs"]}

    web = _relabel(jobs["offcampus-web"], {"__meta_dns_name": "inspection-web"})
    worker = _relabel(jobs["offcampus-worker"], {"__meta_dns_name": "reporting-worker"})

    assert (web["service"], web["role"]) == ("inspection", "web")
    assert (worker["service"], worker["role"]) == ("reporting", "worker")


def test_prometheus_reads_the_config_and_rules_compose_mounts(prometheus_config, compose):
    prometheus = compose["services"]["prometheus"]
    config = next(arg.split("=", 1)[1] for arg in prometheus["command"] if arg.startswith("--config.file="))

    assert _host_path(prometheus, config) == REPO_ROOT / "deploy/prometheus/prometheus.yml"
    for pattern in prometheus_config.get("rule_files") or []:
        directory = _host_path(prometheus, str(PurePosixPath(pattern).parent))
        rule_files = sorted(directory.glob(PurePosixPath(pattern).name)) if directory else []
        assert rule_files, f"{pattern} matches no file in the repository"
        for rule_file in rule_files:
            for group in yaml.safe_load(rule_file.read_text(encoding="utf-8"))["groups"]:
                assert all(rule.get("expr") and rule.get("alert") for rule in group["rules"]), rule_file


# --------------------------------------------------------------------------------------------- Grafana


def _datasources(grafana: dict) -> list[dict]:
    directory = _host_path(grafana, "/etc/grafana/provisioning/datasources")
    assert directory is not None, "grafana's datasource provisioning is not mounted from the repository"
    return [ds for path in sorted(directory.glob("*.y*ml"))
            for ds in yaml.safe_load(path.read_text(encoding="utf-8")).get("datasources") or []]


def _dashboards(grafana: dict) -> dict[str, dict]:
    providers_dir = _host_path(grafana, "/etc/grafana/provisioning/dashboards")
    dashboards = {}
    for path in sorted(providers_dir.glob("*.y*ml")):
        for provider in yaml.safe_load(path.read_text(encoding="utf-8")).get("providers") or []:
            folder = _host_path(grafana, provider["options"]["path"])
            assert folder is not None and folder.is_dir(), f"provider {provider['name']} reads an unmounted path"
            dashboards.update({p.name: json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.json")})
    return dashboards


def dashboard_problems(dashboard: dict, datasource_uids: set[str]) -> list[str]:
    """Panels that query a datasource Grafana was not given, or that query nothing."""
    problems = []
    for panel in dashboard.get("panels") or []:
        if panel.get("type") == "row":
            continue
        uids = {(panel.get("datasource") or {}).get("uid")}
        uids |= {(target.get("datasource") or {}).get("uid") for target in panel.get("targets") or []}
        if not uids <= datasource_uids:
            problems.append(f"panel {panel.get('title')!r} queries datasource {sorted(uids - datasource_uids)}")
        if not any(target.get("expr") for target in panel.get("targets") or []):
            problems.append(f"panel {panel.get('title')!r} has no query")
    return problems


def test_grafana_is_given_the_stack_prometheus(compose):
    datasources = _datasources(compose["services"]["grafana"])

    assert [(ds["type"], ds["url"]) for ds in datasources if ds.get("isDefault")] == [
        ("prometheus", "http://prometheus:9090")]
    assert "prometheus" in compose["services"]["grafana"]["depends_on"]


def test_dashboards_query_the_provisioned_datasource_and_show_http_and_bus_metrics(compose):
    grafana = compose["services"]["grafana"]
    uids = {ds["uid"] for ds in _datasources(grafana)}
    dashboards = _dashboards(grafana)

    assert dashboards, "no dashboard is provisioned"
    for name, dashboard in dashboards.items():
        assert dashboard_problems(dashboard, uids) == [], name
    queries = json.dumps(list(dashboards.values()))
    for metric in (*BUS_METRICS, "flask_http_request_total", "flask_http_request_duration_seconds_bucket"):
        assert metric in queries, f"no panel shows {metric}"
    home = grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert _host_path(grafana, home).is_file()


def test_a_panel_on_an_unknown_datasource_is_reported(compose):
    dashboard = next(iter(_dashboards(compose["services"]["grafana"]).values()))
    dashboard["panels"][1]["datasource"] = {"type": "prometheus", "uid": "somewhere-else"}

    assert any("somewhere-else" in problem for problem in dashboard_problems(dashboard, {"offcampus-prometheus"}))


# -------------------------------------------------------------------------------------------- RabbitMQ


def test_rabbitmq_runs_the_management_and_prometheus_plugins(compose):
    rabbitmq = compose["services"]["rabbitmq"]
    plugins_file = _host_path(rabbitmq, "/etc/rabbitmq/enabled_plugins")

    plugins = re.fullmatch(r"\s*\[(.*)\]\s*\.\s*", plugins_file.read_text(encoding="utf-8"), re.S)

    assert plugins, "enabled_plugins is not an Erlang list term ending in a dot"
    assert {"rabbitmq_management", "rabbitmq_prometheus"} <= {p.strip() for p in plugins.group(1).split(",")}


def test_rabbitmq_keeps_its_default_user_and_gets_the_topology_from_a_job(compose):
    rabbitmq = compose["services"]["rabbitmq"]
    config = _host_path(rabbitmq, "/etc/rabbitmq/conf.d/30-offcampus.conf")
    settings = [line.split("=", 1)[0].strip() for line in config.read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.lstrip().startswith("#")]
    job = compose["services"]["rabbitmq-definitions"]

    # A blank node that imports definitions at boot does not create RABBITMQ_DEFAULT_USER: no one could log in.
    assert not [key for key in settings if "load_definitions" in key or key.startswith("definitions.")]
    assert "import" in job["command"]
    assert _host_path(job, job["command"][-1]) == REPO_ROOT / "deploy/rabbitmq/definitions.json"


# ------------------------------------------------------------------------------------------ PostgreSQL

INIT_SCRIPT = REPO_ROOT / "deploy/postgres/initdb/10-offcampus-databases.sh"


def test_postgres_creates_the_database_every_service_is_pointed_at(compose):
    postgres = compose["services"]["postgres"]
    wanted = set()
    for service in compose["services"].values():
        for key, value in (service.get("environment") or {}).items():
            if key.endswith("_DATABASE_URL"):
                url = make_url(with_defaults(value))
                assert url.host == "postgres", f"{key} points at {url.host}"
                wanted.add(url.database)

    assert wanted == set(SERVICE_PORTS)
    assert set(postgres["environment"]["OFFCAMPUS_DATABASES"].split()) == wanted
    assert _host_path(postgres, "/docker-entrypoint-initdb.d/" + INIT_SCRIPT.name) == INIT_SCRIPT


def test_init_script_is_executable_bash():
    assert os.access(INIT_SCRIPT, os.X_OK), "the postgres image would source it instead of running it"
    assert subprocess.run(["bash", "-n", str(INIT_SCRIPT)], capture_output=True).returncode == 0


@pytest.mark.integration
def test_init_script_creates_each_database_once_on_real_postgresql(postgres_server_url):
    if not shutil.which("psql"):
        message = "psql (the PostgreSQL client) is not installed"
        if os.environ.get("OFFCAMPUS_REQUIRE_SERVICES", "") not in ("", "0", "false"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    url = make_url(postgres_server_url)
    names = [f"initdb_{uuid.uuid4().hex[:8]}_{svc}" for svc in ("registry", "Reporting")]
    env = {**os.environ, "PGHOST": url.host or "127.0.0.1", "PGPORT": str(url.port or 5432),
           "PGPASSWORD": url.password or "", "POSTGRES_USER": url.username or "postgres",
           "POSTGRES_DB": url.database, "OFFCAMPUS_DATABASES": " ".join(names)}
    admin = sa.create_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    try:
        for _ in range(2):  # a second run (a restarted init) must change nothing
            run = subprocess.run(["bash", str(INIT_SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
            assert run.returncode == 0, run.stderr
        with admin.connect() as conn:
            found = conn.scalars(sa.text("SELECT datname FROM pg_database WHERE datname = ANY(:names)"),
                                 {"names": names}).all()
        assert sorted(found) == sorted(names)
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
