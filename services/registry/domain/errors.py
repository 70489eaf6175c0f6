"""What the registry's domain refuses: the kit's refusals, each with the registry's stable codes."""

from __future__ import annotations

from typing import Any

from services.registry.domain.rule_texts import STATE_LABELS
from shared.refusals import IllegalTransition as KitIllegalTransition
from shared.refusals import Refused, Text, Violation

__all__ = ["FilingRejected", "IllegalTransition", "InvalidInstitution", "RegistryRefusal", "TransitionRefused",
           "Violation"]

class RegistryRefusal(Refused):
    """Base of the registry's refusals of bad data (the kit answers 422, each violation named)."""


class InvalidInstitution(RegistryRefusal):
    """The identity or description of an institution breaks a rule."""

    code = "institution.invalid"


class FilingRejected(RegistryRefusal):
    """A filing breaks one or more rules; every broken rule is listed."""

    code = "filing.rejected"


class TransitionRefused(RegistryRefusal):
    """The action is allowed in this state but its data is not acceptable; `item` names the datum."""

    code = "transition.refused"

    def __init__(self, code: str, item: str | None = None, **params: Any):
        super().__init__([Violation(code, item, params)])


class IllegalTransition(KitIllegalTransition, RegistryRefusal):
    """The action is not allowed in the institution's current state (the kit answers 409)."""

    def __init__(self, current_state: str, action: str, allowed_actions: Any):
        label = STATE_LABELS.get(current_state)
        super().__init__(current_state, action, allowed_actions,
                         current_state_label=Text(label) if label else current_state)
