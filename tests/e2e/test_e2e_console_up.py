"""`offcampus up` and the development OpenID provider: started in development (who can sign in is printed, the
consoles sign in through it with PKCE), refused in production."""

from __future__ import annotations

import os
import signal
import subprocess
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from shared.testing.processes import BIN, free_ports, offcampus, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _env(tmp_path, **changes):
    env = {**os.environ, "OFFCAMPUS_VAR_DIR": str(tmp_path / "var"), **changes}
    for name in ("AMQP_URL", "REGISTRY_DATABASE_URL", "REPORTING_DATABASE_URL", "INSPECTION_DATABASE_URL",
                 "COMPLAINTS_DATABASE_URL", "OIDC_ISSUER"):
        env.pop(f"OFFCAMPUS_{name}", None)
    return env


def test_up_starts_the_development_provider_prints_who_can_sign_in_and_the_consoles_use_it(tmp_path):
    base = free_ports(9)  # the four services, and the provider at base + 8
    env = _env(tmp_path, OFFCAMPUS_ENV="development")
    env.pop("OFFCAMPUS_JWT_SECRET", None)
    up = offcampus(["up", "--base-port", str(base)], env, tmp_path / "up.log")
    issuer = f"http://127.0.0.1:{base + 8}"
    try:
        wait_until(lambda: requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2).ok, 90,
                   "the development provider", up)
        wait_until(lambda: "offcampus is up" in up.output(), 120, "up to start everything", up)
        printed = up.output()
        assert "clerk-dev-pass" in printed and "town-officer" in printed and "/console" in printed
        start = requests.get(f"http://127.0.0.1:{base}/console/login", allow_redirects=False, timeout=10)
        assert start.status_code == 302 and start.headers["Location"].startswith(f"{issuer}/auth?")
        asked = parse_qs(urlsplit(start.headers["Location"]).query)
        assert asked["code_challenge_method"] == ["S256"] and asked["code_challenge"][0]
        assert asked["client_id"] == ["offcampus-registry"] and asked["response_type"] == ["code"]
    finally:
        code = up.stop(signal.SIGINT)
    assert code == 0, up.output()[-3000:]


def test_up_refuses_the_development_provider_in_production(tmp_path):
    env = _env(tmp_path, OFFCAMPUS_ENV="production", OFFCAMPUS_JWT_SECRET="production-secret-0123456789abcdef0123")
    done = subprocess.run([str(BIN / "offcampus"), "up", "--identity-provider", "--base-port", str(free_ports(9))],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "development only" in done.stderr + done.stdout
