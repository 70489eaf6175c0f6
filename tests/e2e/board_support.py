"""The registry the board's page tests read (the board, the front page, the security headers): `offcampus serve
registry` (gunicorn, 2 workers) on a fresh schema, seeded through its API with two licensed institutions that filed
and one banned. The tests only read it, so one serves them all (tests/e2e/conftest.py's session fixture)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from services.registry.domain.identity import credit_code_check_character
from shared.auth import mint_token
from shared.config import Settings
from shared.testing.fixtures import fresh_schema
from shared.testing.processes import answers, free_port, offcampus, wait_until

SECRET = "e2e-board-secret-0123456789abcdef0123456789abcdef"  # noqa: S105

QIMING = "城关镇启明星学科培训学校"
XINGHUO = "龙头镇星火学科培训学校"
BANNED = "城关镇违规补习班"
LICENCE = {"school_running_licence": {"number": "教民161072270000123号", "issued_on": "2021-09-01",
                                      "valid_until": "2027-08-31"},
           "registration": {"kind": "registration_certificate", "number": "52610722MJY1234567",
                            "issued_on": "2021-09-01", "valid_until": "2027-08-31"}}
FILING = {
    "courses": [{"subject": "数学", "grade_band": "primary", "materials": ["人教版数学三年级下册"]}],
    "teachers": [{"name": "李老师", "qualification_certificate_no": "20196107221000123"},
                 {"name": "王老师", "qualification_certificate_no": "20186107222000456"}],
    "fee_items": [{"name": "小班数学", "price_per_hour_fen": 3000, "grade_band": "primary", "class_size_band": "small",
                   "hours_per_collection": 20, "months_per_collection": 1, "amount_per_collection_fen": 60000}],
    "timetable": [{"weekday": 2, "start": "16:30", "end": "17:30", "mode": "offline", "course": "数学"},
                  {"weekday": 4, "start": "18:30", "end": "20:00", "mode": "offline", "course": "数学"}],
    "sessions": [{"date": "2025-03-04", "start": "16:30", "end": "17:30", "mode": "offline", "course": "数学"}],
}




def _token(role: str = "clerk") -> str:
    return mint_token(Settings(jwt_secret=SECRET), sub=f"e2e-{role}", dept="education", roles=[role])


def _seed(base: str) -> dict[str, int]:
    """Three institutions through the registry's API: two licensed that filed, one banned."""
    clerk = {"Authorization": f"Bearer {_token()}"}
    ids = {}
    for serial, (name, town) in enumerate(((QIMING, "城关镇"), (XINGHUO, "龙头镇"), (BANNED, "城关镇")), start=1):
        first17 = f"52610722MJ{serial:07d}"
        created = requests.post(f"{base}/v1/institutions", headers=clerk, timeout=10, json={
            "name": name, "credit_code": first17 + credit_code_check_character(first17), "division_code": "610722",
            "town": town, "address": f"{town}南大街{serial}号", "category": "discipline", "subject_group": "discipline",
            "audience": ["primary"], "contact_phone": "0916-7212345", "legal_representative": "王启明",
            "occurred_on": "2021-08-01"})
        assert created.status_code == 201, created.text
        ids[name] = created.json()["id"]
        licensed = requests.post(f"{base}/v1/institutions/{ids[name]}/transitions", headers=clerk, timeout=10,
                                 json={"action": "license", "data": {"licence": LICENCE, "occurred_on": "2021-09-01"}})
        assert licensed.status_code == 200, licensed.text
        filed = requests.post(f"{base}/v1/institutions/{ids[name]}/filings", headers=clerk, json=FILING, timeout=10)
        assert filed.status_code == 201, filed.text
    # a ban decided on paper before the platform, recorded by an admin (every other ban comes from a case)
    ban = {"document_number": "城教罚决字〔2025〕7号", "reason": "暑假违规开展学科类培训", "occurred_on": "2025-07-20"}
    banned = requests.post(f"{base}/v1/institutions/{ids[BANNED]}/pre-platform-ban", json=ban, timeout=10,
                           headers={"Authorization": f"Bearer {_token('admin')}"})
    assert banned.status_code == 200, banned.text
    return ids


@contextmanager
def serving_registry(postgres_server_url: str) -> Iterator[tuple[str, dict[str, int]]]:
    """`offcampus serve registry` (gunicorn, 2 workers) on a fresh schema, seeded through its API: its base URL
    and the seeded institutions' ids."""
    with tempfile.TemporaryDirectory(prefix="offcampus-e2e-board-") as workdir, \
            fresh_schema(postgres_server_url) as database_url:
        workdir = Path(workdir)
        env = {**os.environ, "OFFCAMPUS_ENV": "production", "OFFCAMPUS_JWT_SECRET": SECRET,
               "OFFCAMPUS_REGISTRY_DATABASE_URL": database_url, "OFFCAMPUS_VAR_DIR": str(workdir / "var")}
        for name in ("OFFCAMPUS_AMQP_URL", "PROMETHEUS_MULTIPROC_DIR"):
            env.pop(name, None)
        migrate = offcampus(["migrate", "registry"], env, workdir / "migrate.log")
        assert migrate.popen.wait(120) == 0, migrate.output()
        port = free_port()
        web = offcampus(["serve", "registry", "--bind", f"127.0.0.1:{port}", "--workers", "2"], env,
                        workdir / "web.log")
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until(answers(base + "/healthz"), 60, "the registry to serve", web)
            yield base, _seed(base)
        finally:
            web.stop()
