"""What the registry's domain refuses, as plain exceptions carrying stable codes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: a stable code, the element it points at, and the figures for its message."""

    code: str
    item: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form (the message is rendered separately, in the reader's language)."""
        return {"code": self.code, "item": self.item, "params": dict(self.params)}


class RegistryRefusal(Exception):
    """Base of the registry's domain refusals; the web layer maps each to one HTTP status."""

    def __init__(self, violations: Iterable[Violation]):
        self.violations = list(violations)
        super().__init__(", ".join(v.code for v in self.violations))


class InvalidInstitution(RegistryRefusal):
    """The identity or description of an institution breaks a rule (HTTP 422)."""


class FilingRejected(RegistryRefusal):
    """A filing breaks one or more rules; every broken rule is listed (HTTP 422)."""


class TransitionRefused(RegistryRefusal):
    """The action is allowed in this state but its data is not acceptable (HTTP 422)."""

    def __init__(self, code: str, **params: Any):
        super().__init__([Violation(code, None, params)])
        self.code = code


class IllegalTransition(RegistryRefusal):
    """The action is not allowed in the institution's current state (HTTP 409)."""

    def __init__(self, current_state: str, action: str, allowed_actions: Iterable[str]):
        self.current_state = current_state
        self.action = action
        self.allowed_actions = tuple(allowed_actions)
        super().__init__([Violation("transition.illegal", None, {
            "state": current_state, "action": action, "allowed": list(self.allowed_actions)})])
