"""The lifecycle of an institution: states, actions and which action leads where."""

from __future__ import annotations

STOCK = "stock"  # on the books before the re-examination
UNDER_REVIEW = "under_review"
LICENSED = "licensed"
RECTIFICATION = "rectification"
BANNED = "banned"
CLOSED = "closed"
CONVERTED = "converted"  # a discipline institution turned non-discipline (arts, sports, science & tech)
STATES = (STOCK, UNDER_REVIEW, LICENSED, RECTIFICATION, BANNED, CLOSED, CONVERTED)
TERMINAL = frozenset({BANNED, CLOSED})
INITIAL_STATES = (STOCK, UNDER_REVIEW)  # what a registration may start in

REGISTER = "register"  # history only: how the institution came onto the books
START_REVIEW = "start_review"
LICENSE = "license"
RENEW_LICENCE = "renew_licence"
ORDER_RECTIFICATION = "order_rectification"
FLAG_RECTIFICATION_OVERDUE = "flag_rectification_overdue"  # the scheduled check, not a clerk's action
BAN = "ban"
CLOSE = "close"
CONVERT = "convert"
ACTIONS = (START_REVIEW, LICENSE, RENEW_LICENCE, ORDER_RECTIFICATION, BAN, CLOSE, CONVERT)

# action -> (states it may be taken from, state it leads to). "Any non-terminal" is spelled out so the
# table alone answers "what may I do now?".
_NON_TERMINAL = tuple(state for state in STATES if state not in TERMINAL)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    START_REVIEW: ((STOCK,), UNDER_REVIEW),
    LICENSE: ((UNDER_REVIEW, RECTIFICATION), LICENSED),
    RENEW_LICENCE: ((LICENSED,), LICENSED),
    ORDER_RECTIFICATION: ((UNDER_REVIEW,), RECTIFICATION),
    BAN: (_NON_TERMINAL, BANNED),
    CLOSE: (_NON_TERMINAL, CLOSED),
    # converting leaves a non-discipline institution that may still close or be banned
    CONVERT: ((STOCK, UNDER_REVIEW, RECTIFICATION, LICENSED), CONVERTED),
}


def allowed_actions(state: str, category: str) -> tuple[str, ...]:
    """The actions a clerk may take on an institution in this state and category, in a stable order."""
    return tuple(
        action for action, (sources, _) in TRANSITIONS.items()
        if state in sources and not (action == CONVERT and category != "discipline")
    )


def target_state(action: str) -> str:
    """The state an action leads to."""
    return TRANSITIONS[action][1]
