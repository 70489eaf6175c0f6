"""The integrator's fence on the real local RabbitMQ, set up by deploy/rabbitmq/integrator.sh (rabbitmqctl, as
root: no management plugin): it reads the events exchange into its own `integrator.*` queues and nothing else."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import amqp
import pytest

from shared.bus.amqp import connect, message_of
from shared.testing.bus import wait_until

pytestmark = [pytest.mark.integration]
SCRIPT = Path(__file__).resolve().parents[3] / "deploy" / "rabbitmq" / "integrator.sh"
EVENT_TYPE = "registry.institution.registered"
MAX_LENGTH, TTL_MS, MAX_CONNECTIONS = 5, 3000, 2


@dataclass
class Fence:
    """One test's broker namespace, fenced integrator user and its URL."""

    namespace: str
    user: str
    url: str
    admin_url: str

    def integrator(self) -> amqp.Connection:
        """A new connection as the integrator."""
        return connect(self.url, name="integrator-test")

    def publish_as_service(self, count: int) -> None:
        """Publish `count` events to the events exchange as the services do."""
        conn = connect(self.admin_url)
        try:
            channel = conn.channel()
            channel.confirm_select()
            for _ in range(count):
                channel.basic_publish_confirm(message_of(b"{}", {"message_id": str(uuid.uuid4()), "type": EVENT_TYPE},
                                                         {}), exchange=f"{self.namespace}.events",
                                              routing_key=EVENT_TYPE)
        finally:
            conn.close()

    def depth(self, queue: str) -> int:
        """Messages ready in `queue`, read by the administrator."""
        conn = connect(self.admin_url)
        try:
            return conn.channel().queue_declare(queue, passive=True).message_count
        finally:
            conn.close()


def _rabbitmqctl() -> str:
    found = shutil.which("rabbitmqctl")
    assert found, "rabbitmqctl not found: these tests set the fence up as an operator does, on the broker's node"
    return found


@pytest.fixture(scope="module")
def fence(amqp_url: str) -> Iterator[Fence]:
    """A service queue and the events exchange in a fresh namespace, and an integrator fenced by the script."""
    ctl = _rabbitmqctl()
    namespace, user = f"offcampus_i{uuid.uuid4().hex[:8]}", f"integrator_t{uuid.uuid4().hex[:8]}"
    password = secrets.token_urlsafe(16)
    admin = connect(amqp_url)
    channel = admin.channel()
    channel.exchange_declare(f"{namespace}.events", "topic", durable=True, auto_delete=False)
    channel.queue_declare(f"{namespace}.registry", durable=True, auto_delete=False)
    channel.queue_bind(f"{namespace}.registry", f"{namespace}.events", "#")
    env = {**os.environ, "RABBITMQCTL": ctl, "OFFCAMPUS_INTEGRATOR_USER": user, "OFFCAMPUS_BUS_NAMESPACE": namespace,
           "OFFCAMPUS_INTEGRATOR_MAX_LENGTH": str(MAX_LENGTH), "OFFCAMPUS_INTEGRATOR_MESSAGE_TTL_MS": str(TTL_MS),
           "OFFCAMPUS_INTEGRATOR_MAX_CONNECTIONS": str(MAX_CONNECTIONS)}
    env.pop("OFFCAMPUS_INTEGRATOR_PASSWORD", None)
    done = subprocess.run(["bash", str(SCRIPT)], input=password + "\n", env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert password not in done.stdout + done.stderr
    parts = urlsplit(amqp_url)
    url = urlunsplit((parts.scheme, f"{user}:{password}@{parts.hostname}:{parts.port or 5672}", parts.path, "", ""))
    try:
        yield Fence(namespace, user, url, amqp_url)
    finally:
        subprocess.run([ctl, "-q", "delete_user", user], capture_output=True, timeout=60, check=False)
        subprocess.run([ctl, "-q", "clear_policy", "offcampus-integrator-queues"], capture_output=True, timeout=60,
                       check=False)
        for queue in (f"{namespace}.registry", f"integrator.{namespace}.feed", f"integrator.{namespace}.bounded"):
            admin.channel().queue_delete(queue)
        admin.channel().exchange_delete(f"{namespace}.events")
        admin.close()


def _own_queue(fence: Fence, queue: str, pattern: str) -> None:
    """Declare `queue` as the integrator and bind it to the events exchange with `pattern`."""
    conn = fence.integrator()
    try:
        channel = conn.channel()
        channel.queue_declare(queue, durable=True, auto_delete=False)
        channel.queue_bind(queue, f"{fence.namespace}.events", pattern)
    finally:
        conn.close()


def _refused(action) -> str:
    """The broker's refusal of `action`, as the integrator's client reads it."""
    with pytest.raises(amqp.exceptions.AccessRefused) as refused:
        action()
    return str(refused.value)


def test_the_integrator_reads_events_into_its_own_queue(fence: Fence):
    queue = f"integrator.{fence.namespace}.feed"
    _own_queue(fence, queue, "registry.#")
    fence.publish_as_service(1)
    conn = fence.integrator()
    try:
        channel = conn.channel()
        message = wait_until(lambda: channel.basic_get(queue), timeout=10, message="the event in the feed")
        assert message.properties["type"] == EVENT_TYPE
        channel.basic_ack(message.delivery_tag)
    finally:
        conn.close()


def test_the_integrator_cannot_publish_to_the_events_exchange(fence: Fence):
    before = fence.depth(f"{fence.namespace}.registry")
    conn = fence.integrator()
    try:
        channel = conn.channel()
        channel.confirm_select()
        reason = _refused(lambda: channel.basic_publish_confirm(
            message_of(b"{}", {"message_id": "forged", "type": EVENT_TYPE}, {}),
            exchange=f"{fence.namespace}.events", routing_key=EVENT_TYPE))
    finally:
        conn.close()
    assert f"Basic.publish: (403) ACCESS_REFUSED - access to exchange '{fence.namespace}.events'" in reason
    assert f"refused for user '{fence.user}'" in reason
    assert fence.depth(f"{fence.namespace}.registry") == before  # nothing forged reached a service


@pytest.mark.parametrize("action, refusal", [
    (lambda ch, ns: ch.basic_get(f"{ns}.registry"),
     "Basic.get: (403) ACCESS_REFUSED - access to queue '{ns}.registry'"),
    (lambda ch, ns: ch.queue_purge(f"{ns}.registry"),
     "Queue.purge: (403) ACCESS_REFUSED - access to queue '{ns}.registry'"),
    (lambda ch, ns: ch.queue_delete(f"{ns}.registry"),
     "Queue.delete: (403) ACCESS_REFUSED - access to queue '{ns}.registry'"),
    (lambda ch, ns: ch.queue_bind(f"{ns}.registry", f"{ns}.events", "x.#"),
     "Queue.bind: (403) ACCESS_REFUSED - access to queue '{ns}.registry'"),
    (lambda ch, ns: ch.queue_declare("feed", durable=True, auto_delete=False),
     "Queue.declare: (403) ACCESS_REFUSED - access to queue 'feed'"),
    (lambda ch, ns: ch.basic_publish_confirm(message_of(b"{}", {}, {}), exchange="", routing_key=f"{ns}.registry"),
     "Basic.publish: (403) ACCESS_REFUSED - access to exchange 'amq.default'"),
], ids=["consume", "purge", "delete", "bind", "declare-outside", "default-exchange"])
def test_the_integrator_cannot_touch_a_service_queue_or_leave_its_prefix(fence: Fence, action, refusal):
    conn = fence.integrator()
    try:
        channel = conn.channel()
        channel.confirm_select()
        reason = _refused(lambda: action(channel, fence.namespace))
    finally:
        conn.close()
    assert refusal.format(ns=fence.namespace) in reason


def test_a_policy_bounds_the_integrators_queues(fence: Fence):
    queue = f"integrator.{fence.namespace}.bounded"
    _own_queue(fence, queue, "#")
    before = fence.depth(f"{fence.namespace}.registry")
    fence.publish_as_service(MAX_LENGTH + 3)
    assert fence.depth(queue) == MAX_LENGTH  # the oldest dropped, the services' publishes all confirmed
    assert fence.depth(f"{fence.namespace}.registry") == before + MAX_LENGTH + 3
    wait_until(lambda: fence.depth(queue) == 0, timeout=TTL_MS / 1000 + 10, message="the TTL to expire the feed")


def test_the_integrators_connections_are_limited(fence: Fence):
    opened = [fence.integrator() for _ in range(MAX_CONNECTIONS)]
    try:
        with pytest.raises(amqp.exceptions.ConnectionError) as refused:
            fence.integrator()
        assert str(refused.value) == (f"Connection.open: (530) NOT_ALLOWED - connection refused for user "
                                      f"'{fence.user}': user connection limit ({MAX_CONNECTIONS}) is reached")
    finally:
        for conn in opened:
            conn.close()


def test_the_set_up_refuses_to_run_without_a_password():
    env = {k: v for k, v in os.environ.items() if k != "OFFCAMPUS_INTEGRATOR_PASSWORD"}
    done = subprocess.run(["bash", str(SCRIPT)], input="", env={**env, "RABBITMQCTL": "/bin/false"},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "set OFFCAMPUS_INTEGRATOR_PASSWORD" in done.stderr
