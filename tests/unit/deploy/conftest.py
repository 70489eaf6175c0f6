"""The deployment files, parsed once per session for the deploy checks."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from deploy_support import REPO_ROOT


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository the deployment files live in."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def compose_document() -> dict:
    """docker-compose.yml as loaded by YAML (anchors and merge keys resolved), shared read-only."""
    return yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture
def compose(compose_document: dict) -> dict:
    """A private copy of docker-compose.yml that a test may break to see a check fail."""
    return copy.deepcopy(compose_document)


@pytest.fixture(scope="session")
def prometheus_config() -> dict:
    """deploy/prometheus/prometheus.yml."""
    return yaml.safe_load((REPO_ROOT / "deploy/prometheus/prometheus.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def crd_schemas() -> dict:
    """The strict openAPIV3Schema of each custom kind, from the CRDs in deploy/kubernetes/crds."""
    from kubernetes_support import crd_schemas

    return crd_schemas()


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[dict]]:
    """Each overlay as `kubectl kustomize` renders it: overlay name → its objects."""
    from kubernetes_support import KUBERNETES_DIR, OVERLAYS, render

    return {overlay: render(KUBERNETES_DIR / "overlays" / overlay) for overlay in OVERLAYS}
