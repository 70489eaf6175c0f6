"""The AsyncAPI 3.0 document of the bus, with AMQP 0-9-1 bindings, generated from the contracts."""

from __future__ import annotations

from typing import Any

import yaml

from shared.events.contract import EventContract, all_contracts
from shared.events.envelope import (
    AMQP_PROPERTIES,
    CONTENT_TYPE,
    DELIVERY_MODE,
    EXCHANGE,
    EXCHANGE_TYPE,
    EXTENSIONS,
    example_message,
)
from shared.events.schemas import data_schema, message_schema

ASYNCAPI_VERSION = "3.0.0"
AMQP_BINDING_VERSION = "0.3.0"
# The catalog's own version: raise the minor for an added type or field, the major never (a breaking
# change is a new event version, which is an addition here too).
CATALOG_VERSION = "1.0.0"
SERVER = "rabbitmq"

_DESCRIPTION = f"""\
Events the offcampus services publish on RabbitMQ, and the contract integrators bind to.

Every event goes to the durable {EXCHANGE_TYPE} exchange `{EXCHANGE}` with its type as the routing key. \
Integrators declare their own queue and bind it with the keys or patterns they need \
(e.g. `registry.institution.*`). Each message is a CloudEvents 1.0 event in structured mode \
(`{CONTENT_TYPE}`). Delivery is at least once (deduplicate by `id`) and not in order across an aggregate's \
events (apply only a `sequence` above the last one applied per `subject`). No event carries a reporter's \
personal data. Generated from `shared/events/`; see also `events.md`."""


class _Dumper(yaml.SafeDumper):
    """Writes every repeated value in full: anchors and aliases would make the document harder to read."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Multi-line descriptions as literal blocks read like the Markdown they are.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def _message_id(contract: EventContract) -> str:
    return f"{contract.type}.v{contract.version}"


def _channel(contract: EventContract) -> dict[str, Any]:
    return {
        "address": contract.routing_key,
        "title": contract.type,
        "summary": contract.summary,
        "messages": {_message_id(contract): {"$ref": f"#/components/messages/{_message_id(contract)}"}},
        "servers": [{"$ref": f"#/servers/{SERVER}"}],
        "bindings": {
            "amqp": {
                "is": "routingKey",
                "exchange": {
                    "name": EXCHANGE,
                    "type": EXCHANGE_TYPE,
                    "durable": True,
                    "autoDelete": False,
                    "vhost": "/",
                },
                "bindingVersion": AMQP_BINDING_VERSION,
            }
        },
    }


def _operation(contract: EventContract) -> dict[str, Any]:
    consumers = ", ".join(f"{c} (on its interactive queue, apart from its bulk)" if c in contract.interactive_for
                          else c for c in contract.consumers) or "no platform service (for integrators)"
    return {
        "action": "send",
        "channel": {"$ref": f"#/channels/{contract.type}"},
        "title": f"{contract.publisher} publishes {contract.type}",
        "summary": contract.summary,
        "description": f"Published by {contract.publisher} through its outbox, with publisher confirms and "
        f"`mandatory`. Consumed by {consumers}.",
        "messages": [{"$ref": f"#/channels/{contract.type}/messages/{_message_id(contract)}"}],
        "tags": [{"name": contract.publisher}],
        "bindings": {
            "amqp": {
                "deliveryMode": DELIVERY_MODE,
                "mandatory": True,
                "timestamp": True,
                "bindingVersion": AMQP_BINDING_VERSION,
            }
        },
        "x-publisher": contract.publisher,
        "x-consumers": list(contract.consumers),
        # the consumers that take it on their interactive queue (docs/bus.md), only where there are any
        **({"x-interactive-for": list(contract.interactive_for)} if contract.interactive_for else {}),
    }


def _message(contract: EventContract) -> dict[str, Any]:
    return {
        "name": contract.type,
        "title": f"{contract.type} v{contract.version}",
        "summary": contract.summary,
        "description": f"{contract.summary_zh}\n\nSubject: the {contract.aggregate}'s id "
        f"(`data.{contract.subject_field}`). Data schema: `{contract.dataschema}`.",
        "contentType": CONTENT_TYPE,
        "correlationId": {
            "description": EXTENSIONS["correlationid"],
            "location": "$message.payload#/correlationid",
        },
        "tags": [{"name": contract.publisher}],
        "payload": message_schema(
            contract, data={"$ref": f"#/components/schemas/{_message_id(contract)}"}
        ),
        "examples": [
            {"name": "example", "summary": contract.summary, "payload": example_message(contract)}
        ],
        "bindings": {"amqp": {"messageType": contract.type, "bindingVersion": AMQP_BINDING_VERSION}},
        "x-amqp-properties": {**AMQP_PROPERTIES, "type": contract.type},
        "x-dataschema": contract.dataschema,
    }


def asyncapi_document() -> dict[str, Any]:
    """The AsyncAPI document as a plain dict, in the order it is written."""
    contracts = all_contracts()
    publishers = sorted({contract.publisher for contract in contracts})
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "id": "urn:offcampus:events",
        "info": {
            "title": "offcampus events",
            "version": CATALOG_VERSION,
            "description": _DESCRIPTION,
            "tags": [{"name": service, "description": f"Published by the {service} service."}
                     for service in publishers],
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {
            SERVER: {
                "host": "{host}",
                "protocol": "amqp",
                "protocolVersion": "0.9.1",
                "title": "The deployment's RabbitMQ",
                "description": f"Where `{EXCHANGE}` lives; ask the operators for its address and an account "
                "that may bind queues to it.",
                "variables": {"host": {"default": "localhost:5672", "description": "host:port of the broker"}},
                "security": [{"$ref": "#/components/securitySchemes/account"}],
            }
        },
        "channels": {contract.type: _channel(contract) for contract in contracts},
        "operations": {f"publish.{contract.type}": _operation(contract) for contract in contracts},
        "components": {
            "schemas": {_message_id(contract): data_schema(contract) for contract in contracts},
            "messages": {_message_id(contract): _message(contract) for contract in contracts},
            "securitySchemes": {
                "account": {"type": "userPassword", "description": "A RabbitMQ user and password."}
            },
        },
    }


def render_asyncapi() -> str:
    """The AsyncAPI 3.0 document (`docs/asyncapi.yaml`) as YAML text."""
    header = "# Generated from shared/events/ by `offcampus events catalog`. Do not edit by hand.\n"
    body = yaml.dump(
        asyncapi_document(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110,
        default_flow_style=False,
    )
    return header + body


__all__ = ["ASYNCAPI_VERSION", "asyncapi_document", "render_asyncapi"]
