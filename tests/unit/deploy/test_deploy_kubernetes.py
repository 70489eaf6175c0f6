"""The Kubernetes overlays render with kubectl's Kustomize, every object validates, and each carries what an
operator relies on: probes, a per-release migration Job, a disruption budget, measured requests and limits."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import pytest
import yaml
from deploy_support import REPO_ROOT
from kubernetes_support import KUBERNETES_DIR, OVERLAYS, SERVICES, name_of, problems, render

VERSION = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def of_kind(objects: list[dict], kind: str) -> dict[str, dict]:
    """name → object, for the objects of one kind."""
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def containers(obj: dict) -> list[dict]:
    """The containers of a Deployment's or Job's pod template."""
    return obj["spec"]["template"]["spec"]["containers"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_rendered_object_validates(rendered, crd_schemas, overlay):
    assert problems(rendered[overlay], crd_schemas) == []
    assert {o["kind"] for o in rendered[overlay]} >= {
        "Deployment", "Service", "ConfigMap", "Job", "PodDisruptionBudget",
        "RabbitmqCluster", "Cluster", "ScaledObject", "TriggerAuthentication"}


def test_a_broken_manifest_fails_naming_the_object_and_the_reason(tmp_path, crd_schemas):
    copy = tmp_path / "kubernetes"
    shutil.copytree(KUBERNETES_DIR, copy)
    breaks = {"base/registry/web.yaml": ("containerPort: 8001", "containerPort: eighty"),
              "base/platform/rabbitmq.yaml": ("replicas: 3", "replicaz: 3"),
              "base/inspection/keda.yaml": ("minReplicaCount: 1", "minReplicaCount: one")}
    for relative, (good, bad) in breaks.items():
        path = copy / relative
        path.write_text(path.read_text(encoding="utf-8").replace(good, bad), encoding="utf-8")

    for overlay in OVERLAYS:
        found = problems(render(copy / "overlays" / overlay), crd_schemas)

        assert len(found) == 3, found
        assert any(p.startswith("Deployment/registry-web: 'eighty' is not of type 'integer'")
                   and p.endswith("at spec.template.spec.containers.0.ports.0.containerPort") for p in found), found
        assert any(p.startswith("RabbitmqCluster/offcampus-rabbitmq:") and "'replicaz' was unexpected" in p
                   for p in found), found
        assert any(p.startswith("ScaledObject/inspection-worker: 'one' is not of type 'integer'")
                   and p.endswith("at spec.minReplicaCount") for p in found), found


def test_an_object_of_an_unknown_kind_is_refused(crd_schemas):
    stray = {"apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitor", "metadata": {"name": "x"}}
    assert problems([stray], crd_schemas) == [
        "PodMonitor/x: no schema for monitoring.coreos.com/v1 PodMonitor (neither built in nor a CRD in crds/)"]


def test_a_bad_built_in_object_is_named_with_its_reason(rendered, crd_schemas):
    deployment = next(o for o in rendered["county"] if name_of(o) == "Deployment/registry-web")
    mistyped, misspelt = (yaml.safe_load(yaml.safe_dump(deployment)) for _ in range(2))
    mistyped["spec"]["replicas"] = "two"
    misspelt["spec"]["template"]["spec"]["containers"][0]["imagePullPolicee"] = "Always"
    (first,), (second,) = problems([mistyped], crd_schemas), problems([misspelt], crd_schemas)
    assert first.startswith("Deployment/registry-web: 'two' is not of type") and first.endswith("at spec.replicas")
    assert second.startswith("Deployment/registry-web:") and "'imagePullPolicee' was unexpected" in second


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_its_web_worker_migration_service_config_and_budgets(rendered, overlay, service):
    objects = rendered[overlay]
    deployments = of_kind(objects, "Deployment")
    web, worker = deployments[f"{service}-web"], deployments[f"{service}-worker"]
    (web_container,) = containers(web)
    assert web_container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web_container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert web_container["args"][:2] == ["serve", service]
    assert containers(worker)[0]["args"] == ["worker", service]

    job = of_kind(objects, "Job")[f"{service}-migrate-{VERSION}"]
    assert containers(job)[0]["args"] == ["migrate", service]

    service_obj = of_kind(objects, "Service")[f"{service}-web"]
    assert service_obj["spec"]["selector"].items() <= web["spec"]["template"]["metadata"]["labels"].items()

    config = next(c for name, c in of_kind(objects, "ConfigMap").items() if name.startswith(f"{service}-config-"))
    for owner in (web, worker, job):
        refs = [e["configMapRef"]["name"] for e in containers(owner)[0].get("envFrom", [])]
        assert config["metadata"]["name"] in refs, name_of(owner)

    budgets = {b["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"]: b
               for b in of_kind(objects, "PodDisruptionBudget").values()
               if b["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] == service}
    assert {k: b["spec"]["maxUnavailable"] for k, b in budgets.items()} == {"web": 1, "worker": 1}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_has_requests_and_limits_and_runs_unprivileged(rendered, overlay):
    for owner in [o for o in rendered[overlay] if o["kind"] in ("Deployment", "Job")]:
        pod = owner["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name_of(owner)
        for container in pod["containers"]:
            resources = container["resources"]
            assert {"cpu", "memory"} <= resources["requests"].keys(), name_of(owner)
            assert {"cpu", "memory"} <= resources["limits"].keys(), name_of(owner)
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, name_of(owner)
            assert container["image"] == f"offcampus:{VERSION}", name_of(owner)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_secrets_are_referenced_by_name_and_never_rendered(rendered, overlay):
    objects = rendered[overlay]
    assert not [o for o in objects if o["kind"] == "Secret"]
    text = yaml.safe_dump_all(objects)
    assert not re.search(r"(amqp|postgresql\+psycopg)://[^:$\s]+:[^$@\s]+@", text), "a password in a URL"
    for deployment in of_kind(objects, "Deployment").values():
        env = {e["name"]: e for e in containers(deployment)[0]["env"]}
        assert env["OFFCAMPUS_AMQP_URL"]["valueFrom"]["secretKeyRef"]["name"] == "offcampus-amqp"
        assert env["OFFCAMPUS_JWT_JWKS"]["valueFrom"]["secretKeyRef"]["name"] == "offcampus-jwt"
        if deployment["metadata"]["name"].startswith("complaints-"):  # it refuses to start without it
            sealing = env["OFFCAMPUS_COMPLAINTS_SEALING_KEY"]["valueFrom"]["secretKeyRef"]
            assert sealing == {"name": "complaints-sealing", "key": "key"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_owns_a_postgresql_15_cluster_and_the_broker_is_three_rabbitmq_310_nodes(rendered, overlay):
    objects = rendered[overlay]
    clusters = of_kind(objects, "Cluster")
    assert sorted(clusters) == sorted(f"{s}-db" for s in SERVICES)
    for service in SERVICES:
        cluster = clusters[f"{service}-db"]
        assert re.fullmatch(r".*/postgresql:15\.\d+", cluster["spec"]["imageName"])
        assert cluster["spec"]["bootstrap"]["initdb"] == {"database": service, "owner": service}
        web = of_kind(objects, "Deployment")[f"{service}-web"]
        env = {e["name"]: e for e in containers(web)[0]["env"]}
        assert env[f"OFFCAMPUS_{service.upper()}_DATABASE_URL"]["value"].endswith(f"@{service}-db-rw:5432/{service}")
        assert env["OFFCAMPUS_DB_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == f"{service}-db-app"
    (broker,) = of_kind(objects, "RabbitmqCluster").values()
    assert broker["spec"]["replicas"] == 3
    assert re.fullmatch(r"rabbitmq:3\.10\.\d+-management", broker["spec"]["image"])
    assert "default_queue_type = quorum" in broker["spec"]["rabbitmq"]["additionalConfig"]


def test_county_runs_one_of_each_and_province_scales_each_web_on_cpu(rendered):
    county = of_kind(rendered["county"], "Deployment")
    assert {name: d["spec"]["replicas"] for name, d in county.items()} == dict.fromkeys(county, 1)
    assert not of_kind(rendered["county"], "HorizontalPodAutoscaler")

    province = rendered["province"]
    webs = {n for n in of_kind(province, "Deployment") if n.endswith("-web")}
    autoscalers = of_kind(province, "HorizontalPodAutoscaler").values()
    assert {a["spec"]["scaleTargetRef"]["name"] for a in autoscalers} == webs
    for autoscaler in autoscalers:
        assert autoscaler["spec"]["scaleTargetRef"]["kind"] == "Deployment"
        (metric,) = autoscaler["spec"]["metrics"]
        assert metric["resource"]["name"] == "cpu"
    assert all(c["spec"]["instances"] == 3 for c in of_kind(province, "Cluster").values())


def test_the_crds_used_are_in_the_repo_with_their_licences():
    crds = KUBERNETES_DIR / "crds"
    readme = (crds / "README.md").read_text(encoding="utf-8")
    for path in crds.glob("*.yaml"):
        assert path.name in readme
    for licence in ("Apache-2.0", "MPL-2.0"):
        assert (crds / f"LICENSE-{licence}").stat().st_size > 1000
        assert licence in readme
    assert Path(crds / "keda.sh_scaledobjects.yaml").exists()
