"""From what the county's identity provider says about a person to the kit's principal.

Which claims carry the roles, the department and the town is configuration (`ClaimNames`), because each
county's provider words them its own way; a provider that only knows groups gets a map from its groups to
our roles. Roles the platform does not know are dropped, a person never gets `integrator` (a machine's role),
and someone left with no role, or in a department the county file does not list, is refused with the reason.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.auth import NO_DEPARTMENT_ROLES, ROLES
from shared.county import CountyConfig
from shared.tokens import Principal

MACHINE_ROLES = frozenset({"integrator"})  # held by systems through bearer tokens, never by a person


@dataclass(frozen=True)
class ClaimNames:
    """Where in the provider's claims the roles, department, town and name are."""

    roles: str = "roles"
    dept: str = "dept"
    town: str = "town"
    name: str = "name"
    groups: str | None = None  # a claim listing the person's groups, mapped to roles by `group_roles`
    group_roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ClaimNames:
        """OFFCAMPUS_OIDC_{ROLES,DEPT,TOWN,NAME,GROUPS}_CLAIM and OFFCAMPUS_OIDC_GROUP_ROLES (JSON)."""
        environ = os.environ if environ is None else environ
        groups_map = json.loads(environ.get("OFFCAMPUS_OIDC_GROUP_ROLES") or "{}")
        if not isinstance(groups_map, dict):
            raise ValueError("OFFCAMPUS_OIDC_GROUP_ROLES is a JSON object: group -> role or list of roles")
        return cls(
            roles=environ.get("OFFCAMPUS_OIDC_ROLES_CLAIM") or "roles",
            dept=environ.get("OFFCAMPUS_OIDC_DEPT_CLAIM") or "dept",
            town=environ.get("OFFCAMPUS_OIDC_TOWN_CLAIM") or "town",
            name=environ.get("OFFCAMPUS_OIDC_NAME_CLAIM") or "name",
            groups=environ.get("OFFCAMPUS_OIDC_GROUPS_CLAIM") or None,
            group_roles={group: tuple([roles] if isinstance(roles, str) else roles)
                         for group, roles in groups_map.items()},
        )


class SignInRefused(Exception):
    """The provider vouched for the person, but the platform cannot let them in; `code` says why."""

    def __init__(self, code: str, **facts: Any):
        super().__init__(code)
        self.code = code
        self.facts = facts


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()  # some providers send a space-separated string
    if isinstance(value, list | tuple):
        return [item for item in value if isinstance(item, str)]
    return []


def principal_from_claims(claims: Mapping[str, Any], names: ClaimNames, county: CountyConfig,
                          service: str) -> Principal:
    """The principal a signed-in person acts as, or SignInRefused naming why they may not."""
    asked = _strings(claims.get(names.roles))
    if names.groups:
        for group in _strings(claims.get(names.groups)):
            asked.extend(names.group_roles.get(group, ()))
    known = [role for role in dict.fromkeys(asked) if role in ROLES and role not in MACHINE_ROLES]
    dept = claims.get(names.dept)
    dept = dept if isinstance(dept, str) else ""
    departmental = [role for role in known if role not in NO_DEPARTMENT_ROLES]
    if departmental:
        if not dept:
            raise SignInRefused("department_missing", roles=departmental)
        if dept not in county.departments:
            raise SignInRefused("department_unknown", dept=dept)
    # a departmental role the department may not hold in this county is dropped like an unknown one
    roles = tuple(role for role in known if role in NO_DEPARTMENT_ROLES or county.may_hold(dept, role))
    if not roles:
        raise SignInRefused("no_role", asked=asked)
    town = claims.get(names.town)
    town = town if isinstance(town, str) and town else None
    if town and not any(c.town(town) for c in county.counties):
        raise SignInRefused("town_unknown", town=town)
    name = claims.get(names.name)
    return Principal(sub=str(claims["sub"]), dept=dept if departmental else "", roles=roles, aud=(service,),
                     town=town, claims={"name": name if isinstance(name, str) else str(claims["sub"])})
