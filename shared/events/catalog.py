"""The event catalog for integrators: `docs/events.md` and `docs/asyncapi.yaml`, generated from the contracts.

Output is deterministic (sorted, no timestamps) so a test can tell when the committed files are stale.
"""

from __future__ import annotations

import json
from pathlib import Path

from shared.events.asyncapi import render_asyncapi
from shared.events.contract import EventContract, all_contracts
from shared.events.envelope import (
    AMQP_PROPERTIES,
    CONTENT_TYPE,
    DATACONTENTTYPE,
    EXCHANGE,
    EXCHANGE_TYPE,
    EXTENSIONS,
    SERVICES,
    example_message,
)
from shared.events.schemas import data_schema, describe_type

__all__ = ["render_asyncapi", "render_markdown", "write_catalog"]

_INTRO = f"""\
# Event catalog

<!-- Generated from shared/events/ by `offcampus events catalog`. Do not edit by hand. -->

The services of offcampus tell each other — and any integrator — what happened through events on RabbitMQ.
This catalog is the contract: every event type, what its `data` carries, who publishes and who consumes it.
The same contract as an AsyncAPI 3.0 document: [`asyncapi.yaml`](asyncapi.yaml).

## How to subscribe

- Every event is published to the durable **{EXCHANGE_TYPE} exchange `{EXCHANGE}`** with the event type as its
  **routing key**, e.g. `registry.institution.licensed`.
- Declare your own durable queue and bind it with the keys or patterns you need: `registry.institution.*`
  (every lifecycle event of an institution), `complaints.clue.#`, or one exact type.
- Delivery is **at least once**: the same event can arrive twice, with the same `id`. Remember the ids
  you have handled.
- Events of one aggregate are **not guaranteed to arrive in order**: each carries `sequence`, increasing
  per `subject`. Ignore an event whose `sequence` is not above the last one you applied for that subject.
- Fields may be **added** to a version's `data`; none is ever removed or changed in meaning. A change that
  would break a consumer is a new version with a new `dataschema`.
- No event carries a reporter's name, phone, email or ID number, ever.

## The envelope

Each message body is one [CloudEvents 1.0](https://cloudevents.io) event in structured mode
(`content_type` `{CONTENT_TYPE}`), UTF-8 JSON:

| attribute | meaning |
|---|---|
| `specversion` | always `1.0` |
| `id` | unique per event (ULID or UUID) |
| `source` | `/offcampus/<service>`, the publishing service |
| `type` | the event type, also the routing key |
| `subject` | the id of the aggregate the event is about (named per type below) |
| `time` | when the event was recorded, RFC 3339 with offset |
| `datacontenttype` | always `{DATACONTENTTYPE}` |
| `dataschema` | URI naming the type and version of `data`, e.g. `urn:offcampus:events:<type>:<version>` |
| `correlationid` | {EXTENSIONS["correlationid"]} |
| `sequence` | {EXTENSIONS["sequence"]} |
| `data` | the event's facts, as described per type below |

AMQP 0-9-1 properties of every message:

| property | value |
|---|---|
""" + "".join(f"| `{name}` | {value} |\n" for name, value in AMQP_PROPERTIES.items()) + """
Dates are local dates (Asia/Shanghai) as `YYYY-MM-DD`; instants are RFC 3339 with offset; money is
integer fen (CNY 0.01); ids are opaque strings.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _anchor(contract: EventContract) -> str:
    return f"{contract.type.replace('.', '-')}-v{contract.version}"


def _consumers(contract: EventContract) -> str:
    named = [f"{c} (interactive queue)" if c in contract.interactive_for else c for c in contract.consumers]
    return ", ".join(named) or "none in the platform (for integrators)"


def _index(contracts: list[EventContract]) -> list[str]:
    lines = ["## Index", "", "| type | version | publisher | consumers | meaning |", "|---|---|---|---|---|"]
    for contract in contracts:
        lines.append(
            f"| [`{contract.type}`](#{_anchor(contract)}) | {contract.version} | {contract.publisher} | "
            f"{_consumers(contract)} | {_cell(contract.summary)} |"
        )
    return [*lines, ""]


def _section(contract: EventContract) -> list[str]:
    schema = data_schema(contract)
    required = set(schema.get("required", ()))
    lines = [
        f'<a id="{_anchor(contract)}"></a>',
        "",
        f"### `{contract.type}` (v{contract.version})",
        "",
        contract.summary,
        "",
        contract.summary_zh,
        "",
        "| | |",
        "|---|---|",
        f"| routing key | `{contract.routing_key}` |",
        f"| version | {contract.version} |",
        f"| dataschema | `{contract.dataschema}` |",
        f"| source | `{contract.source}` |",
        f"| publisher | {contract.publisher} |",
        f"| consumers | {_consumers(contract)} |",
        f"| subject | the {contract.aggregate}'s id, `data.{contract.subject_field}` |",
        "",
        "| field | type | required | null allowed | meaning |",
        "|---|---|---|---|---|",
    ]
    for name, prop in schema["properties"].items():
        types = prop.get("type", [])
        nullable = "yes" if "null" in ([types] if isinstance(types, str) else types) else "no"
        lines.append(
            f"| `{name}` | {_cell(describe_type(prop))} | {'yes' if name in required else 'no'} | {nullable} | "
            f"{_cell(prop.get('description', ''))} |"
        )
    message = json.dumps(example_message(contract), ensure_ascii=False, indent=2)
    return [*lines, "", "Example message:", "", "```json", message, "```", ""]


def render_markdown() -> str:
    """The Markdown event catalog (`docs/events.md`) for every declared contract."""
    contracts = all_contracts()
    lines = [_INTRO, *_index(contracts)]
    # Services in the order ARCHITECTURE.md lists them, then any other publisher.
    order = {service: position for position, service in enumerate(SERVICES)}
    publishers = sorted({c.publisher for c in contracts}, key=lambda s: (order.get(s, len(order)), s))
    for publisher in publishers:
        lines += [f"## Published by {publisher}", ""]
        for contract in contracts:
            if contract.publisher == publisher:
                lines += _section(contract)
    return "\n".join(lines).rstrip("\n") + "\n"


def write_catalog(docs_dir: Path) -> list[Path]:
    """Write `events.md` and `asyncapi.yaml` into `docs_dir`; return the paths written."""
    docs_dir = Path(docs_dir)
    docs_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in (("events.md", render_markdown()), ("asyncapi.yaml", render_asyncapi())):
        path = docs_dir / name
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written
