"""KEDA scales each worker on its own queue's depth, through a TriggerAuthentication, never below one."""

from __future__ import annotations

import copy
import re

import pytest
from kubernetes_support import OVERLAYS, SERVICES, name_of


def scaling_faults(objects: list[dict]) -> list[str]:
    """Each ScaledObject whose target is not a worker Deployment of the same render, or whose trigger is off."""
    workers = {o["metadata"]["name"] for o in objects
               if o["kind"] == "Deployment" and o["metadata"]["name"].endswith("-worker")}
    auths = {o["metadata"]["name"] for o in objects if o["kind"] == "TriggerAuthentication"}
    faults = []
    for scaled in [o for o in objects if o["kind"] == "ScaledObject"]:
        target, spec = scaled["spec"]["scaleTargetRef"], scaled["spec"]
        if target.get("kind", "Deployment") != "Deployment" or target["name"] not in workers:
            faults.append(f"{name_of(scaled)}: scaleTargetRef {target['name']} is no worker Deployment here")
        if spec.get("minReplicaCount", 0) < 1:
            faults.append(f"{name_of(scaled)}: minReplicaCount below 1 stops the outbox relay and the checks")
        for trigger in spec["triggers"]:
            service = scaled["metadata"]["name"].removesuffix("-worker")
            if trigger["metadata"].get("queueName") != f"offcampus.{service}":
                faults.append(f"{name_of(scaled)}: scales on {trigger['metadata'].get('queueName')}, "
                              f"not offcampus.{service}")
            if trigger.get("authenticationRef", {}).get("name") not in auths:
                faults.append(f"{name_of(scaled)}: its TriggerAuthentication is not in this render")
    return faults


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_worker_is_scaled_on_its_own_queue_through_a_trigger_authentication(rendered, overlay):
    objects = rendered[overlay]
    scaled = [o for o in objects if o["kind"] == "ScaledObject"]
    assert sorted(o["spec"]["scaleTargetRef"]["name"] for o in scaled) == sorted(f"{s}-worker" for s in SERVICES)
    assert scaling_faults(objects) == []
    for obj in scaled:
        assert obj["spec"]["maxReplicaCount"] > obj["spec"]["minReplicaCount"] >= 1
        (trigger,) = obj["spec"]["triggers"]
        assert trigger["type"] == "rabbitmq" and trigger["metadata"]["mode"] == "QueueLength"
    (auth,) = [o for o in objects if o["kind"] == "TriggerAuthentication"]
    assert auth["spec"]["secretTargetRef"] == [{"parameter": "host", "name": "offcampus-amqp", "key": "url"}]


def test_the_province_lets_keda_scale_workers_further_than_a_county(rendered):
    def most(overlay):
        return {o["metadata"]["name"]: o["spec"]["maxReplicaCount"] for o in rendered[overlay]
                if o["kind"] == "ScaledObject"}

    assert all(most("province")[name] > most("county")[name] for name in most("county"))


def test_a_scaled_object_aimed_at_a_web_or_another_overlay_is_named(rendered):
    objects = copy.deepcopy(rendered["county"])
    by_name = {name_of(o): o for o in objects}
    by_name["ScaledObject/registry-worker"]["spec"]["scaleTargetRef"]["name"] = "registry-web"
    by_name["ScaledObject/inspection-worker"]["spec"]["scaleTargetRef"]["name"] = "inspection-workers"
    by_name["ScaledObject/complaints-worker"]["spec"]["minReplicaCount"] = 0
    by_name["ScaledObject/reporting-worker"]["spec"]["triggers"][0]["metadata"]["queueName"] = "offcampus.registry"
    assert sorted(scaling_faults(objects)) == [
        "ScaledObject/complaints-worker: minReplicaCount below 1 stops the outbox relay and the checks",
        "ScaledObject/inspection-worker: scaleTargetRef inspection-workers is no worker Deployment here",
        "ScaledObject/registry-worker: scaleTargetRef registry-web is no worker Deployment here",
        "ScaledObject/reporting-worker: scales on offcampus.registry, not offcampus.reporting",
    ]


def test_the_threshold_is_the_one_docs_operations_derives(rendered, repo_root):
    derived = re.search(r"threshold \*\*(\d+)\*\* events per worker", (repo_root / "docs/operations.md").read_text())
    assert derived, "docs/operations.md no longer states the derived threshold"
    values = {trigger["metadata"]["value"] for overlay in OVERLAYS for o in rendered[overlay]
              if o["kind"] == "ScaledObject" for trigger in o["spec"]["triggers"]}
    assert values == {derived.group(1)}
