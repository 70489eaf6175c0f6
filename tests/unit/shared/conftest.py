import pytest

from shared.app import create_app
from shared.auth import mint_token
from shared.config import Settings
from shared.db import Database


@pytest.fixture
def kit_settings():
    return Settings(env="test", jwt_secret="unit-test-secret-0123456789abcdef0123456789", max_body_bytes=2048)


@pytest.fixture
def kit_app(tmp_path, kit_settings):
    from tests.unit.shared import kit_app as module

    module.created.clear()
    database = Database(f"sqlite:///{tmp_path / 'kit.sqlite3'}")
    module.metadata.create_all(database.engine)
    app = create_app(module.SPEC, settings=kit_settings, database=database, testing=True)
    yield app
    database.dispose()


@pytest.fixture
def client(kit_app):
    return kit_app.test_client()


@pytest.fixture
def token(kit_settings):
    def make(*roles, **kw):
        kw.setdefault("sub", "u1")
        kw.setdefault("dept", "education")
        return mint_token(kit_settings, roles=roles or ("clerk",), **kw)
    return make
