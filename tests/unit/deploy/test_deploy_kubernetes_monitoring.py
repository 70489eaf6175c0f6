"""Kubernetes: Prometheus finds every web, worker and broker pod the overlays run; every image is pinned to
the versions the tests run on."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib

import pytest
import yaml
from deploy_support import REPO_ROOT, SERVICE_PORTS, WORKER_METRICS_PORT
from kubernetes_support import KUBERNETES_DIR, OVERLAYS, SERVICES, name_of

SCRAPE_CONFIG = KUBERNETES_DIR / "base" / "platform" / "prometheus" / "prometheus.yml"
# what the RabbitMQ cluster operator labels the broker's pods with
BROKER_POD_LABELS = {"app.kubernetes.io/name": "offcampus-rabbitmq", "app.kubernetes.io/component": "rabbitmq",
                     "app.kubernetes.io/part-of": "rabbitmq"}


def _meta_name(prefix: str, key: str) -> str:
    return prefix + re.sub(r"[^a-zA-Z0-9_]", "_", key)


def pod_discovery_labels(name: str, labels: dict, annotations: dict, address: str) -> dict[str, str]:
    """The labels Prometheus' pod discovery gives a pod (those this config reads)."""
    found = {"__address__": address, "__meta_kubernetes_pod_name": name, "__meta_kubernetes_namespace": "offcampus"}
    found.update({_meta_name("__meta_kubernetes_pod_label_", key): value for key, value in labels.items()})
    found.update({_meta_name("__meta_kubernetes_pod_annotation_", key): value for key, value in annotations.items()})
    return found


def relabel(job: dict, labels: dict[str, str]) -> dict[str, str] | None:
    """Prometheus' `keep` and `replace` relabelling (what this config uses); None when the target is dropped."""
    labels = dict(labels)
    for rule in job.get("relabel_configs") or []:
        value = rule.get("separator", ";").join(labels.get(name, "") for name in rule.get("source_labels", []))
        match = re.fullmatch(rule.get("regex", "(.*)"), value)
        action = rule.get("action", "replace")
        if action == "keep":
            if not match:
                return None
        elif action == "replace":
            if match:
                labels[rule["target_label"]] = match.expand(
                    re.sub(r"\$(\d+)", r"\\\1", rule.get("replacement", "$1")))
        else:
            raise AssertionError(f"relabel action {action} is not simulated here")
    return labels


def scraped(config: dict, labels: dict[str, str]) -> dict[str, dict[str, str]]:
    """job name -> the target's labels after relabelling, for every job that keeps the pod."""
    kept = {}
    for job in config["scrape_configs"]:
        assert [sd["role"] for sd in job["kubernetes_sd_configs"]] == ["pod"]
        result = relabel(job, labels)
        if result is not None:
            kept[job["job_name"]] = result
    return kept


@pytest.fixture(scope="module")
def scrape_config() -> dict:
    return yaml.safe_load(SCRAPE_CONFIG.read_text())


def _deployments(objects: list[dict]) -> dict[str, dict]:
    return {obj["metadata"]["name"]: obj for obj in objects if obj["kind"] == "Deployment"}


def _metrics_port(deployment: dict) -> int:
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    if deployment["metadata"]["name"].endswith("-web"):
        return next(port["containerPort"] for port in container["ports"] if port["name"] == "http")
    env = {item["name"]: item.get("value") for item in container.get("env") or []}
    config_env = env.get("OFFCAMPUS_METRICS_PORT")
    return int(config_env) if config_env else WORKER_METRICS_PORT


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_overlays_ship_the_scrape_config_as_a_configmap(rendered, overlay):
    maps = [obj for obj in rendered[overlay] if obj["kind"] == "ConfigMap"
            and obj["metadata"]["name"] == "offcampus-prometheus"]
    assert len(maps) == 1 and maps[0]["metadata"]["namespace"] == "offcampus"
    assert maps[0]["data"]["prometheus.yml"] == SCRAPE_CONFIG.read_text()


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_every_web_and_worker_pod_is_scraped_once_on_its_metrics_port_with_its_service_and_role(
        rendered, scrape_config, overlay, service):
    deployments = _deployments(rendered[overlay])
    for role in ("web", "worker"):
        deployment = deployments[f"{service}-{role}"]
        template = deployment["spec"]["template"]["metadata"]
        labels = pod_discovery_labels(f"{service}-{role}-7d9f-x2", template["labels"],
                                      template.get("annotations") or {}, "10.1.2.3:8080")
        kept = scraped(scrape_config, labels)
        assert list(kept) == [f"offcampus-{role}"], f"{name_of(deployment)} is scraped by {sorted(kept)}"
        target = kept[f"offcampus-{role}"]
        assert target["__address__"] == f"10.1.2.3:{_metrics_port(deployment)}"
        assert (target["service"], target["role"]) == (service, role)
    assert _metrics_port(deployments[f"{service}-web"]) == SERVICE_PORTS[service]


def test_a_pod_without_the_scrape_annotation_is_not_scraped(scrape_config):
    labels = pod_discovery_labels("registry-web-1", {"app.kubernetes.io/name": "registry",
                                                     "app.kubernetes.io/component": "web"}, {}, "10.1.2.3")
    assert scraped(scrape_config, labels) == {}


def test_the_broker_pods_are_scraped_with_their_per_queue_metrics(scrape_config):
    kept = scraped(scrape_config, pod_discovery_labels("offcampus-rabbitmq-server-0", BROKER_POD_LABELS, {},
                                                       "10.1.2.9:5672"))
    assert sorted(kept) == ["rabbitmq", "rabbitmq-queues"]
    assert {target["__address__"] for target in kept.values()} == {"10.1.2.9:15692"}
    jobs = {job["job_name"]: job for job in scrape_config["scrape_configs"]}
    assert jobs["rabbitmq-queues"]["metrics_path"] == "/metrics/detailed"
    # the dead-letter and stalled-queue alerts read per-queue figures from these families
    assert set(jobs["rabbitmq-queues"]["params"]["family"]) >= {"queue_coarse_metrics"}


def test_the_scrape_config_is_valid_for_prometheus_apart_from_discovery(tmp_path, scrape_config):
    # Debian's prometheus is built without Kubernetes discovery, so promtool refuses `kubernetes_sd_configs`
    # itself: each is swapped for a static target and promtool checks the rest (relabel regexes, params,
    # alerting, rule files)
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail("promtool not found: apt-get install prometheus (as .ci/run does)")
    checked = yaml.safe_load(SCRAPE_CONFIG.read_text())
    for job in [*checked["scrape_configs"], *checked["alerting"]["alertmanagers"]]:
        assert job.pop("kubernetes_sd_configs")
        job["static_configs"] = [{"targets": ["10.1.2.3:9100"]}]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(checked))
    done = subprocess.run([promtool, "check", "config", str(tmp_path / "prometheus.yml")], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


# ------------------------------------------------------------------------------------------ images


def _images(objects: list[dict]) -> dict[str, str]:
    """Object/container -> image, over pod templates and the operators' custom resources."""
    images = {}
    for obj in objects:
        spec = obj.get("spec") or {}
        if obj["kind"] == "RabbitmqCluster":
            images[name_of(obj)] = spec["image"]
        elif obj["kind"] == "Cluster":
            images[name_of(obj)] = spec["imageName"]
        template = (spec.get("jobTemplate", {}).get("spec", {}) if obj["kind"] == "CronJob" else spec).get("template")
        for container in ((template or {}).get("spec") or {}).get("containers", []) + \
                ((template or {}).get("spec") or {}).get("initContainers", []):
            images[f"{name_of(obj)}/{container['name']}"] = container["image"]
    return images


def _compose_image(service: str) -> str:
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    return compose["services"][service]["image"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_image_is_pinned_to_the_release_and_the_versions_the_tests_run_on(rendered, overlay):
    version = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["version"]
    broker = _compose_image("rabbitmq")  # the compose broker, pinned to the version the suite runs on
    postgres_major = _compose_image("postgres").split(":")[1].split(".")[0]
    images = _images(rendered[overlay])
    assert len(images) >= 4 * 3 + 1 + 4  # web, worker and migration per service; the broker; four databases
    for where, image in images.items():
        name, _, tag = image.rpartition(":")
        assert name and tag and tag != "latest" and "/" not in tag, f"{where}: {image} is not pinned to a tag"
        if name == "offcampus":
            assert tag == version, f"{where}: {image} is not the release {version}"
        elif name == "rabbitmq":
            assert image == broker, f"{where}: {image}, but docker-compose.yml runs {broker}"
            assert tag.startswith("3.10."), f"{where}: {image} is not the RabbitMQ 3.10 the tests run on"
        elif name.endswith("/postgresql"):
            assert tag.split(".")[0] == postgres_major == "15", f"{where}: {image} is not PostgreSQL 15"
        else:
            raise AssertionError(f"{where}: {image} is an image nothing checks")


def test_compose_runs_the_same_broker_prometheus_and_alertmanager_the_tests_use():
    assert _compose_image("rabbitmq") == _compose_image("rabbitmq-definitions") == "rabbitmq:3.10.8-management"
    for service, binary in (("prometheus", "prometheus"), ("alertmanager", "prometheus-alertmanager")):
        found = shutil.which(binary) or shutil.which(binary.removeprefix("prometheus-"))
        if found is None:
            pytest.fail(f"{binary} not found: apt-get install prometheus prometheus-alertmanager (as .ci/run does)")
        done = subprocess.run([found, "--version"], capture_output=True, text=True, timeout=30)
        local = re.search(r"version (\d+\.\d+\.\d+)", done.stdout + done.stderr).group(1)
        assert _compose_image(service).endswith(f":v{local}"), f"compose {service} is not the tested {local}"
