"""The public disclosure board as JSON on real PostgreSQL: no login, search, pages, ETags and the banned list."""

import pytest
import test_registry_filings_support as support
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_registry_filings_support import (
    FILING,
    ban_on_paper,
    file,
    filing,
    licensed,
    register,
    transition,
    with_fee,
)

from services.registry.bootstrap import SERVICE
from shared.app import create_app
from shared.testing.apps import migrated_database

pytestmark = pytest.mark.integration
database, client = support.database, support.client  # the shared fixtures


def _english_course(subject: str) -> dict:
    return filing(courses=[{"subject": subject, "grade_band": "primary", "materials": ["Oxford Primary English 3"]}])


@pytest.fixture
def board(client):
    """Three licensed institutions that filed, one that has not filed, one applicant and one banned."""
    return _board(client)


@pytest.fixture(scope="module")
def searched_board(pg_module_url):
    """A client of the same board on a database migrated and filled once for the module, for the searches (they
    only read it; a fresh schema and board each was most of their time)."""
    with migrated_database(SERVICE, pg_module_url) as database:
        client = create_app(SERVICE, settings=support.SETTINGS, database=database, testing=True).test_client()
        _board(client)
        yield client


def _board(client) -> dict[str, int]:
    ids = {
        "qiming": licensed(client),
        "yucai": licensed(client, name="博望街道育才ABC英语培训中心", town="博望街道", address="博望街道文化路3号"),
        "xinghuo": licensed(client, name="龙头镇星火学科培训学校", town="龙头镇", address="龙头镇正街8号"),
        "unfiled": licensed(client, name="城关镇未备案培训学校"),
        "applicant": register(client, name="城关镇申请中培训学校"),
        "banned": licensed(client, name="城关镇违规补习班", address="城关镇北街1号"),
    }
    for key in ("qiming", "xinghuo", "banned"):
        assert file(client, ids[key]).status_code == 201
    assert file(client, ids["yucai"], _english_course("英语")).status_code == 201
    ban_on_paper(client, ids["banned"], reason="暑假违规开展学科类培训", occurred_on="2025-07-20")
    return ids


def _names(answer) -> list[str]:
    return [item["name"] for item in answer.get_json()["items"]]


def test_the_board_lists_licensed_institutions_with_their_filing_without_a_token(client, board):
    answer = client.get("/v1/public/institutions")
    assert answer.status_code == 200
    listed = {item["id"]: item for item in answer.get_json()["items"]}
    assert set(listed) == {board["qiming"], board["yucai"], board["xinghuo"]}
    qiming = listed[board["qiming"]]
    assert qiming["name"] == "城关镇启明星学科培训学校" and qiming["town"] == "城关镇"
    assert qiming["subjects"] == ["数学"] and qiming["max_price_per_hour_fen"] == 3000
    assert qiming["teacher_count"] == 1 and qiming["modes"] == ["offline"] and qiming["category"] == "discipline"
    assert answer.get_json()["total"] == 3


@pytest.mark.parametrize(("args", "expected"), [
    ({"q": "启明"}, ["城关镇启明星学科培训学校"]),
    ({"q": "abc"}, ["博望街道育才ABC英语培训中心"]),  # letter case does not matter
    ({"q": "ＡＢＣ"}, ["博望街道育才ABC英语培训中心"]),  # nor full-width letters
    ({"q": "学科"}, ["城关镇启明星学科培训学校", "龙头镇星火学科培训学校"]),
    ({"subject": "英语"}, ["博望街道育才ABC英语培训中心"]),
    ({"town": "龙头镇"}, ["龙头镇星火学科培训学校"]),
    ({"q": "学科", "town": "城关镇", "subject": "数学"}, ["城关镇启明星学科培训学校"]),
    ({"q": "%"}, []),  # a wildcard typed by a parent is a character like any other
    ({"q": "违规"}, []),  # banned institutions are not on the board
])
def test_the_board_searches_by_name_subject_and_town(searched_board, args, expected):
    assert sorted(_names(searched_board.get("/v1/public/institutions", query_string=args))) == expected


def test_the_board_is_paginated_with_the_total(client, board):
    first = client.get("/v1/public/institutions?page_size=2").get_json()
    second = client.get("/v1/public/institutions?page_size=2&page=2").get_json()
    assert first["total"] == second["total"] == 3
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    beyond = client.get("/v1/public/institutions?page_size=2&page=5").get_json()
    assert beyond["items"] == [] and beyond["total"] == 3


def test_an_unchanged_board_answers_304_to_its_etag_and_a_new_filing_changes_it(client, board):
    answer = client.get("/v1/public/institutions")
    etag = answer.headers["ETag"]
    again = client.get("/v1/public/institutions", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert file(client, board["qiming"], with_fee(price_per_hour_fen=2900,
                                                  amount_per_collection_fen=58000)).status_code == 201
    changed = client.get("/v1/public/institutions", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    one = client.get(f"/v1/public/institutions/{board['qiming']}")
    assert client.get(f"/v1/public/institutions/{board['qiming']}",
                      headers={"If-None-Match": one.headers["ETag"]}).status_code == 304


def test_an_institutions_public_entry_shows_its_licence_fees_teachers_and_timetable(client, board):
    answer = client.get(f"/v1/public/institutions/{board['qiming']}")
    assert answer.status_code == 200
    entry = answer.get_json()
    assert entry["credit_code"].startswith("52610722MJ")
    assert entry["legal_representative"] == "王启明"  # printed on the licence: public registration data
    assert entry["licence"]["school_number"] == "教民161072270000123号"
    assert entry["filing"]["teachers"] == [{"name": "李老师", "qualification_certificate_no": "20196107221000123"}]
    assert entry["filing"]["fee_items"] == FILING["fee_items"]
    assert entry["filing"]["timetable"] == FILING["timetable"]
    assert entry["filing"]["courses"] == FILING["courses"]


@pytest.mark.parametrize("key", ["unfiled", "applicant", "banned"])
def test_an_institution_not_on_the_board_is_not_found(client, board, key):
    answer = client.get(f"/v1/public/institutions/{board[key]}")
    assert answer.status_code == 404 and answer.get_json()["code"] == "board.not_listed"


def test_the_banned_list_gives_the_reason_and_the_date(client, board):
    answer = client.get("/v1/public/banned")
    assert answer.status_code == 200 and "ETag" in answer.headers
    [banned] = answer.get_json()["items"]
    assert banned["id"] == board["banned"] and banned["name"] == "城关镇违规补习班"
    assert banned["reason"] == "暑假违规开展学科类培训" and banned["banned_on"] == "2025-07-20"


def test_a_banned_institution_leaves_the_board_at_once(client, board):
    ban_on_paper(client, board["xinghuo"], reason="超前超标培训")
    assert "龙头镇星火学科培训学校" not in _names(client.get("/v1/public/institutions"))
    assert client.get(f"/v1/public/institutions/{board['xinghuo']}").status_code == 404
    assert "龙头镇星火学科培训学校" in _names(client.get("/v1/public/banned"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=40), page=st.integers(min_value=-5, max_value=10**7))
def test_any_search_text_is_answered_never_a_server_error(client, text, page):
    for args in ({"q": text}, {"subject": text}, {"town": text}, {"q": text, "page": page}):
        answer = client.get("/v1/public/institutions", query_string=args)
        assert answer.status_code in (200, 422), answer.get_json()


def test_the_board_searches_the_embedded_sqlite_database_alike(sqlite_url):
    from services.registry.bootstrap import SERVICE
    from shared.app import create_app
    from shared.db import Database
    from shared.migrations import upgrade

    upgrade(SERVICE, sqlite_url)
    database = Database(sqlite_url)
    try:
        embedded = create_app(SERVICE, settings=support.SETTINGS, database=database, testing=True).test_client()
        qiming = licensed(embedded, name="城关镇启明星ABC学科培训学校")
        assert file(embedded, qiming).status_code == 201
        assert file(embedded, qiming).status_code == 201  # superseding works without row locks too
        assert _names(embedded.get("/v1/public/institutions", query_string={"q": "abc", "subject": "数学"})) == [
            "城关镇启明星ABC学科培训学校"]
        past_the_end = embedded.get("/v1/public/institutions?page=3").get_json()
        assert past_the_end["items"] == [] and past_the_end["total"] == 1
        page = embedded.get(f"/board/institutions/{qiming}")
        assert page.status_code == 200 and "¥30.00" in page.get_data(as_text=True)
        ban_on_paper(embedded, qiming, reason="违规培训")  # the trigger runs on SQLite too
        assert embedded.get("/v1/public/institutions").get_json()["total"] == 0
    finally:
        database.dispose()


def test_a_closed_institution_leaves_the_board_too(client, board):
    transition(client, board["yucai"], "close", reason="举办者申请终止办学")
    assert "博望街道育才ABC英语培训中心" not in _names(client.get("/v1/public/institutions"))
    assert client.get("/v1/public/institutions", query_string={"subject": "英语"}).get_json()["total"] == 0


@given(name=st.text(min_size=1, max_size=30), data=st.data())
def test_every_part_of_a_name_finds_its_terms_among_the_names_terms(name, data):
    """The index lookup never loses a match: what LIKE would find, the character pairs find first."""
    from services.registry.service_layer.filings import name_terms, query_terms, search_key

    key = search_key(name)
    start = data.draw(st.integers(min_value=0, max_value=max(len(key) - 1, 0)))
    part = key[start:data.draw(st.integers(min_value=start + 1, max_value=max(len(key), start + 1)))]
    assert set(query_terms(part)) <= name_terms(key)
    assert 1 <= len(query_terms(part)) <= 4 or not part
