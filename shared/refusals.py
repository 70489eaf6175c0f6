"""What a service's domain and use cases raise when they refuse: plain Python, no HTTP and no Flask.

A use case raises these (or a service's subclasses of them); `shared.errors` turns each into one
problem+json answer at the edge, choosing the status by class and rendering every text in the reader's
language through the service's catalog. Texts here are English msgids marked with `N_` for extraction, with
`%(name)s` placeholders filled from the error's facts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any


def N_(message: str) -> str:  # the conventional marker name extractors look for
    """Mark a message for extraction; it is translated when rendered, in the reader's language."""
    return message


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: a stable code, the element it points at (a field, a filing's item), and its figures."""

    code: str
    item: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form (the message is rendered separately, in the reader's language)."""
        return {"code": self.code, "item": self.item, "params": dict(self.params)}

    def about(self, item: str) -> Violation:
        """The same violation pointing at `item`."""
        return replace(self, item=item)


@dataclass(frozen=True, slots=True)
class Text:
    """A text to show in the reader's language: an English msgid and the figures for its placeholders."""

    message: str
    params: Mapping[str, Any] = field(default_factory=dict)


class DomainError(Exception):
    """A use case could not do what was asked. `code` is stable; `message` is a msgid filled from `facts`.

    Every fact (but those that are None) goes into the answer beside `code`, so a client can act on it.
    """

    code = "bad_request"
    message = ""

    def __init__(self, message: str = "", *, code: str | None = None, **facts: Any):
        if message:
            self.message = message
        if code:
            self.code = code
        self.facts = facts
        super().__init__(self.code)


class NotFound(DomainError):
    """The thing named does not exist (or is not there for this reader)."""

    code = "not_found"


class Forbidden(DomainError):
    """The caller may not do this here (a town officer writing about another town)."""

    code = "forbidden"


class Conflict(DomainError):
    """The request conflicts with the current state (a duplicate, a concurrent change)."""

    code = "conflict"


class StaleVersion(DomainError):
    """The version the caller named (`If-Match`) is no longer the current one."""

    code = "precondition_failed"


class Refused(DomainError):
    """The request breaks the domain's rules; every broken rule is a Violation.

    `prefix` names where the violations' items sit in the request (e.g. `data.` for a body that nests them).
    """

    code = "unprocessable"

    def __init__(self, violations: Iterable[Violation], message: str = "", *, code: str | None = None,
                 **facts: Any):
        super().__init__(message, code=code, **facts)
        self.violations = list(violations)
        self.prefix = ""
        self.args = (", ".join(v.code for v in self.violations) or self.code,)

    def field_of(self, violation: Violation) -> str:
        """The request field a violation is about: its item under the prefix, else the prefix itself."""
        if violation.item:
            return self.prefix + violation.item
        return self.prefix.rstrip(".") or "_schema"


class IllegalTransition(Refused):
    """The action is not allowed in the current state (a conflict with the state, not bad data)."""

    code = "transition.illegal"

    def __init__(self, current_state: str, action: str, allowed_actions: Iterable[str], **facts: Any):
        self.current_state, self.action = current_state, action
        self.allowed_actions = tuple(allowed_actions)
        super().__init__([Violation("transition.illegal", None, {
            "state": current_state, "action": action, "allowed": list(self.allowed_actions)})],
            action=action, current_state=current_state, allowed_actions=list(self.allowed_actions), **facts)
