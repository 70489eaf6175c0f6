"""`GET /` on the tiny test service: an index of its pages and its documentation, open to everybody."""


def test_the_front_page_is_chinese_html_with_english_beside_it_and_needs_no_token(client):
    answer = client.get("/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})

    assert answer.status_code == 200 and answer.mimetype == "text/html"
    page = answer.text
    assert '<html lang="zh-CN">' in page
    assert '<a href="/docs">接口文档（Swagger UI）</a>' in page
    assert '<span lang="en">API documentation (Swagger UI)</span>' in page
    assert '<a href="/openapi.json">' in page and 'href="?lang=en"' in page


def test_lang_en_puts_english_first_and_chinese_beside_it(client):
    page = client.get("/?lang=en").text

    assert '<html lang="en">' in page
    assert '<a href="/docs">API documentation (Swagger UI)</a>' in page
    assert '<span lang="zh-CN">接口文档（Swagger UI）</span>' in page


def test_a_json_client_gets_the_same_index_as_json(client):
    answer = client.get("/", headers={"Accept": "application/json"})

    assert answer.mimetype == "application/json" and "Accept" in answer.headers["Vary"]
    assert answer.json["service"] == "registry" and answer.json["platform"] == "校外培训监管平台"
    assert [page["path"] for page in answer.json["pages"]] == ["/docs", "/openapi.json"]
    assert answer.json["pages"][0]["titles"] == {"zh-CN": "接口文档（Swagger UI）",
                                                 "en": "API documentation (Swagger UI)"}
