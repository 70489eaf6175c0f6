"""The published language: every event type's versioned contract, declared once.

    from shared.events import contract_for
    data = contract_for("registry.institution.registered").validate(data)
"""

from shared.events import complaints, inspection, registry  # noqa: F401  (declares the contracts)
from shared.events.contract import (
    DATASCHEMA_PREFIX,
    ContractError,
    DuplicateContract,
    EventContract,
    InvalidEventData,
    UnknownEventType,
    all_contracts,
    consumed_by,
    contract_for,
    declare,
    published_by,
    register_contract,
    temporary_contract,
)

__all__ = [
    "DATASCHEMA_PREFIX",
    "ContractError",
    "DuplicateContract",
    "EventContract",
    "InvalidEventData",
    "UnknownEventType",
    "all_contracts",
    "consumed_by",
    "contract_for",
    "declare",
    "published_by",
    "register_contract",
    "temporary_contract",
]
