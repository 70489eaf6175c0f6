"""The provider's claims become the kit's principal: claim names, groups, dropped roles, refusals with reasons."""

import pytest

from shared.console.claims import ClaimNames, SignInRefused, principal_from_claims
from shared.county import county_config

NAMES = ClaimNames()


def _principal(claims, names=NAMES):
    return principal_from_claims({"sub": "u1", **claims}, names, county_config(), "registry")


def _refusal(claims, names=NAMES) -> SignInRefused:
    with pytest.raises(SignInRefused) as caught:
        _principal(claims, names)
    return caught.value


def test_roles_department_town_and_name_come_from_the_claims():
    principal = _principal({"roles": ["inspector"], "dept": "education", "town": "博望街道", "name": "孙网格"})
    assert (principal.roles, principal.dept, principal.town, principal.claims["name"]) == (
        ("inspector",), "education", "博望街道", "孙网格")
    assert principal.aud == ("registry",)


def test_claim_names_are_configuration():
    names = ClaimNames.from_env({"OFFCAMPUS_OIDC_ROLES_CLAIM": "offcampus_roles", "OFFCAMPUS_OIDC_DEPT_CLAIM": "org",
                                 "OFFCAMPUS_OIDC_TOWN_CLAIM": "grid"})
    principal = _principal({"offcampus_roles": "clerk leader", "org": "education", "grid": "龙头镇",
                            "roles": ["admin"]}, names)
    assert (principal.roles, principal.dept, principal.town) == (("clerk", "leader"), "education", "龙头镇")


def test_groups_map_to_roles():
    names = ClaimNames.from_env({"OFFCAMPUS_OIDC_GROUPS_CLAIM": "groups",
                                 "OFFCAMPUS_OIDC_GROUP_ROLES": '{"edu-registry": "clerk", "ops": ["admin"]}'})
    principal = _principal({"groups": ["edu-registry", "ops", "canteen"], "dept": "education"}, names)
    assert principal.roles == ("clerk", "admin")


def test_unknown_roles_are_dropped_and_integrator_is_never_given_to_a_person():
    principal = _principal({"roles": ["clerk", "janitor", "integrator"], "dept": "education"})
    assert principal.roles == ("clerk",)


def test_a_role_the_department_may_not_hold_is_dropped():
    principal = _principal({"roles": ["inspector", "desk"], "dept": "fire"})
    assert principal.roles == ("inspector",)


def test_no_known_role_is_refused_saying_so():
    assert _refusal({"roles": ["integrator", "janitor"], "dept": "education"}).code == "no_role"
    assert _refusal({"dept": "education"}).code == "no_role"


def test_an_unknown_department_is_refused_naming_it():
    refusal = _refusal({"roles": ["clerk"], "dept": "tax_bureau"})
    assert (refusal.code, refusal.facts["dept"]) == ("department_unknown", "tax_bureau")


def test_a_departmental_role_without_a_department_is_refused():
    assert _refusal({"roles": ["clerk"]}).code == "department_missing"


def test_an_admin_belongs_to_no_department():
    principal = _principal({"roles": ["admin"]})
    assert (principal.roles, principal.dept) == (("admin",), "")


def test_a_town_outside_the_county_file_is_refused():
    assert _refusal({"roles": ["inspector"], "dept": "education", "town": "火星镇"}).code == "town_unknown"
