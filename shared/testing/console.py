"""Sign a Flask test client in to a service's console the way the provider's callback does."""

from __future__ import annotations

from shared.console.kit import session_record
from shared.tokens import Principal


def sign_in(client, *, sub: str, roles: list[str] | tuple[str, ...], dept: str = "", town: str | None = None,
            name: str | None = None, service: str = "registry", since: float | None = None,
            base_url: str = "http://localhost") -> None:
    """Give the client's console session this person (no provider involved: for app-level tests)."""
    principal = Principal(sub=sub, dept=dept, roles=tuple(roles), aud=(service,), town=town,
                          claims={"name": name or sub})
    with client.session_transaction("/console", base_url=base_url) as session:
        session.clear()
        session.permanent = True
        session.update(session_record(principal, None, since))
