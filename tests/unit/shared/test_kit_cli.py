"""The `offcampus` command as an operator uses it."""

import jwt
import pytest
from click.testing import CliRunner

from shared.cli import main
from shared.config import DEVELOPMENT_JWT_SECRET


@pytest.fixture
def runner():
    return CliRunner()


@pytest.mark.parametrize("command", [[], ["serve"], ["worker"], ["migrate"], ["up"], ["token"], ["dlq"],
                                     ["events"]])
def test_every_command_explains_itself(runner, command):
    result = runner.invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_token_prints_a_verifiable_jwt_as_its_last_line(runner, monkeypatch):
    monkeypatch.setenv("OFFCAMPUS_JWT_SECRET", "cli-test-secret-0123456789abcdef0123456789")
    result = runner.invoke(main, ["token", "--dept", "education", "--role", "clerk", "--role", "leader",
                                  "--aud", "registry", "--town", "城关镇", "--sub", "zhang", "--ttl", "60"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    claims = jwt.decode(token, "cli-test-secret-0123456789abcdef0123456789", algorithms=["HS256"],
                        audience="registry")
    assert claims["roles"] == ["clerk", "leader"] and claims["town"] == "城关镇" and claims["sub"] == "zhang"
    assert claims["exp"] - claims["iat"] == 60


def test_token_defaults_to_every_audience_and_the_development_secret(runner, monkeypatch):
    monkeypatch.delenv("OFFCAMPUS_JWT_SECRET", raising=False)
    monkeypatch.delenv("OFFCAMPUS_JWT_PRIVATE_KEY", raising=False)
    result = runner.invoke(main, ["token", "--dept", "fire", "--role", "inspector"])
    assert result.exit_code == 0
    claims = jwt.decode(result.output.strip().splitlines()[-1], DEVELOPMENT_JWT_SECRET, algorithms=["HS256"],
                        audience="reporting")
    assert set(claims["aud"]) == {"registry", "inspection", "complaints", "reporting"}


def test_token_refuses_an_unknown_role(runner):
    result = runner.invoke(main, ["token", "--dept", "education", "--role", "mayor"])
    assert result.exit_code == 2
    assert "mayor" in result.output


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_serve_and_worker_refuse_the_development_secret_outside_development(runner, monkeypatch, command):
    monkeypatch.delenv("OFFCAMPUS_JWT_SECRET", raising=False)
    monkeypatch.delenv("OFFCAMPUS_JWT_PUBLIC_KEY", raising=False)
    monkeypatch.setenv("OFFCAMPUS_ENV", "production")
    result = runner.invoke(main, [command, "registry"])
    assert result.exit_code == 1
    assert "development JWT secret" in result.output


def test_unknown_service_is_named(runner):
    result = runner.invoke(main, ["migrate", "payroll"])
    assert result.exit_code == 2
    assert "payroll" in result.output


def test_token_lifetime_is_capped_by_what_services_accept(runner, monkeypatch):
    monkeypatch.setenv("OFFCAMPUS_JWT_MAX_TTL_SECONDS", "3600")
    refused = runner.invoke(main, ["token", "--dept", "education", "--role", "clerk", "--ttl", "3601"])
    assert refused.exit_code == 2 and "--ttl" in refused.output and "3600" in refused.output
    accepted = runner.invoke(main, ["token", "--dept", "education", "--role", "clerk", "--ttl", "3600"])
    assert accepted.exit_code == 0, accepted.output


@pytest.mark.parametrize(("args", "hint"), [
    (["--dept", "nobody", "--role", "clerk"], "--dept"),
    (["--dept", "fire", "--role", "clerk"], "--role"),
    (["--role", "clerk"], "--role"),
])
def test_token_refuses_what_the_county_files_table_does_not_allow(runner, args, hint):
    result = runner.invoke(main, ["token", *args])
    assert result.exit_code == 2 and hint in result.output


def test_token_for_an_admin_names_no_department(runner, monkeypatch):
    monkeypatch.delenv("OFFCAMPUS_JWT_SECRET", raising=False)
    result = runner.invoke(main, ["token", "--role", "admin"])
    assert result.exit_code == 0, result.output
    claims = jwt.decode(result.output.strip().splitlines()[-1], DEVELOPMENT_JWT_SECRET, algorithms=["HS256"],
                        audience="registry")
    assert claims["roles"] == ["admin"] and "dept" not in claims
