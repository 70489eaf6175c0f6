"""Pytest fixtures for real PostgreSQL and RabbitMQ.

Where they come from, in order: the URLs in `OFFCAMPUS_TEST_DATABASE_URL` / `OFFCAMPUS_TEST_AMQP_URL`;
containers started by testcontainers when a Docker engine answers a ping; the machine's own servers on
their usual ports. When none is there the test is skipped with a message saying exactly what is missing,
or fails instead when `OFFCAMPUS_REQUIRE_SERVICES=1` (CI sets it, so a missing server is never a green run).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

LOCAL_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
LOCAL_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672//"
TEST_DATABASE_NAME = "offcampus_test"


def _services_required() -> bool:
    return os.environ.get("OFFCAMPUS_REQUIRE_SERVICES", "") not in ("", "0", "false")


def _unavailable(what: str) -> None:
    variable = "OFFCAMPUS_TEST_DATABASE_URL" if "PostgreSQL" in what else "OFFCAMPUS_TEST_AMQP_URL"
    message = (f"{what} is not available: set {variable}, run a Docker engine for testcontainers, "
               "or start the local server")
    if _services_required():
        pytest.fail(message + " (OFFCAMPUS_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(message)


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _docker_answers() -> bool:
    """True only when a Docker engine answers a ping; the client binary alone is not enough."""
    try:
        import docker

        client = docker.from_env(timeout=2)
        return bool(client.ping())
    except Exception:
        return False


def _with_database(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


def _ensure_database(admin_url: str, database: str) -> None:
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": database})
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{database}"'))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A SQLAlchemy URL of a PostgreSQL database the tests may fill with schemas of their own."""
    url = os.environ.get("OFFCAMPUS_TEST_DATABASE_URL")
    container = None
    if not url:
        if _docker_answers():
            from testcontainers.postgres import PostgresContainer

            container = PostgresContainer("postgres:15-alpine", driver="psycopg")
            container.start()
            url = container.get_connection_url()
        elif _port_open("127.0.0.1", 5432):
            url = LOCAL_DATABASE_URL
        else:
            _unavailable("PostgreSQL")
    database = make_url(url).database
    if database in (None, "", "postgres"):
        database = TEST_DATABASE_NAME
    try:
        _ensure_database(_with_database(url, "postgres"), database)
        url = _with_database(url, database)
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # the URL was given but nothing answers there
        _unavailable(f"PostgreSQL at {make_url(url).render_as_string()} ({exc.__class__.__name__})")
    try:
        yield url
    finally:
        if container is not None:
            container.stop()


@contextmanager
def fresh_schema(server_url: str) -> Iterator[str]:
    """A URL whose connections see only a new, empty schema, dropped on exit."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            # a connection a test left open must not hang the suite; a leftover schema is harmless
            conn.execute(sa.text("SET lock_timeout = '10s'"))
            try:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            except sa.exc.OperationalError:
                pass
        admin.dispose()


@pytest.fixture
def pg_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh PostgreSQL schema of this test's own."""
    with fresh_schema(postgres_server_url) as url:
        yield url


@pytest.fixture(scope="module")
def pg_module_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh PostgreSQL schema shared by one test module (for expensive set-ups like contract tests)."""
    with fresh_schema(postgres_server_url) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A fresh SQLite database file of this test's own."""
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def amqp_url() -> Iterator[str]:
    """The URL of a RabbitMQ broker for this test session."""
    url = os.environ.get("OFFCAMPUS_TEST_AMQP_URL")
    container = None
    if not url:
        if _docker_answers():
            from testcontainers.rabbitmq import RabbitMqContainer

            container = RabbitMqContainer("rabbitmq:3.10-management-alpine")
            container.start()
            params = container.get_connection_params()
            url = f"amqp://guest:guest@{params.host}:{params.port}//"
        elif _port_open("127.0.0.1", 5672):
            url = LOCAL_AMQP_URL
        else:
            _unavailable("RabbitMQ")
    try:
        from kombu import Connection

        with Connection(url, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as exc:
        _unavailable(f"RabbitMQ at {url.split('@')[-1]} ({exc.__class__.__name__})")
    try:
        yield url
    finally:
        if container is not None:
            container.stop()


def _queues_with_prefix(prefix: str) -> list[str]:
    """Names of the broker's queues starting with prefix, when rabbitmqctl can tell (local broker)."""
    if not shutil.which("rabbitmqctl"):
        return []
    out = subprocess.run(
        ["rabbitmqctl", "-q", "list_queues", "name", "--no-table-headers"],
        capture_output=True, text=True, timeout=60, check=False,
    ).stdout
    return [line.strip() for line in out.splitlines() if line.strip().startswith(prefix)]


def delete_bus_namespace(amqp_url: str, namespace: str) -> None:
    """Delete a namespace's queues and exchanges (a leftover would be namespaced and harmless)."""
    from kombu import Connection

    services = ("registry", "inspection", "complaints", "reporting", "test")
    known = [f"{namespace}.{s}{suffix}" for s in services for suffix in ("", ".dead")]
    try:
        with Connection(amqp_url, connect_timeout=3) as conn:
            for name in set(_queues_with_prefix(namespace) + known):
                channel = conn.channel()
                try:
                    channel.queue_delete(name)
                except Exception:  # absent queue closes the channel; nothing to clean
                    pass
            for exchange in (f"{namespace}.events", f"{namespace}.retry", f"{namespace}.dead"):
                channel = conn.channel()
                try:
                    channel.exchange_delete(exchange)
                except Exception:
                    pass
    except Exception:  # the broker may be down after a fault test; leftovers are namespaced and harmless
        pass


@pytest.fixture
def bus_namespace(amqp_url: str) -> Iterator[str]:
    """A unique namespace for exchange and queue names, so tests never see each other's messages."""
    namespace = f"offcampus_t{uuid.uuid4().hex[:10]}"
    yield namespace
    delete_bus_namespace(amqp_url, namespace)
