"""The county file's department × role table decides which tokens a service accepts: one test per row."""

import pytest

from shared.auth import ROLES, mint_token

# What the packaged Chenggu file says each department's people may hold.
ROWS = {
    "education": {"clerk", "desk", "inspector", "supervisor", "leader"},
    "civil_affairs": {"clerk", "inspector", "leader"},
    "market_regulation": {"clerk", "inspector", "supervisor", "leader"},
    "culture_tourism": {"inspector", "supervisor", "leader"},
    "fire": {"inspector", "leader"},
    "urban_management": {"inspector", "leader"},
    "public_security": {"inspector", "leader"},
}
NO_DEPARTMENT = {"admin", "integrator"}


def whoami(client, settings, dept, *roles):
    token = mint_token(settings, sub="u", dept=dept, roles=roles)
    return client.get("/v1/whoami", headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"})


@pytest.mark.parametrize("dept", sorted(ROWS))
def test_a_department_holds_exactly_the_roles_of_its_row(client, kit_settings, dept):
    for role in ROLES:
        answer = whoami(client, kit_settings, dept, role)
        if role in ROWS[dept] | NO_DEPARTMENT:  # admin and integrator: the department neither grants nor limits
            assert answer.status_code == 200, (dept, role)
        else:
            assert answer.status_code == 403, (dept, role)
            assert answer.json["code"] == "token_role_outside_department" and answer.json["roles"] == [role]


def test_without_a_department_only_admin_and_integrator_are_held(client, kit_settings):
    for role in ROLES:
        answer = whoami(client, kit_settings, "", role)
        assert answer.status_code == (200 if role in NO_DEPARTMENT else 403), role


def test_a_department_the_county_does_not_list_is_refused(client, kit_settings):
    answer = whoami(client, kit_settings, "nobody", "clerk")
    assert answer.status_code == 403 and answer.json["code"] == "token_department_unknown"
    assert answer.json["dept"] == "nobody"
    assert answer.json["detail"] == "The token names a department the county file does not list."


def test_a_role_the_platform_does_not_know_is_refused(client, kit_settings):
    answer = whoami(client, kit_settings, "education", "clerk", "superuser")
    assert answer.status_code == 403 and answer.json["code"] == "token_role_unknown"


def test_a_public_page_treats_a_refused_token_as_no_token(client, kit_settings):
    token = mint_token(kit_settings, sub="u", dept="nobody", roles=["clerk"])
    assert client.get("/v1/things/public", headers={"Authorization": f"Bearer {token}"}).status_code == 200
