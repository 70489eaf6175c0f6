"""Tokens as an issuer and an operator see them: `iat` required, a bounded lifetime, keys chosen by `kid`."""

import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.app import create_app
from shared.auth import mint_token
from shared.config import Settings, SettingsError
from shared.db import Database
from tests.unit.shared import kit_app as module

SECRET = "token-test-secret-0123456789abcdef0123456789"  # noqa: S105


def rsa_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public, key.public_key()


OLD, NEW, STRANGER = rsa_key(), rsa_key(), rsa_key()


def jwks(**keys) -> str:
    entries = []
    for kid, (_private, _public, public_key) in keys.items():
        entry = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public_key))
        entries.append({**entry, "kid": kid, "alg": "RS256", "use": "sig"})
    return json.dumps({"keys": entries})


def client_for(settings, tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'tokens.sqlite3'}")
    module.metadata.create_all(database.engine)
    return create_app(module.SPEC, settings=settings, database=database, testing=True).test_client()


def whoami(client, token):
    return client.get("/v1/whoami", headers={"Authorization": f"Bearer {token}"})


def claims(**changes):
    now = int(time.time())
    return {"sub": "u", "dept": "education", "roles": ["clerk"], "aud": ["registry"], "iat": now,
            "exp": now + 600, **changes}


@pytest.fixture
def hs_client(tmp_path):
    return client_for(Settings(env="test", jwt_secret=SECRET, jwt_max_ttl_seconds=3600), tmp_path)


def test_a_token_without_iat_is_refused(hs_client):
    bare = claims()
    del bare["iat"]
    answer = whoami(hs_client, jwt.encode(bare, SECRET, algorithm="HS256"))
    assert answer.status_code == 401 and answer.json["code"] == "token_invalid"


def test_a_token_living_longer_than_the_maximum_is_refused(hs_client):
    now = int(time.time())
    long_lived = jwt.encode(claims(iat=now, exp=now + 3601), SECRET, algorithm="HS256")
    answer = whoami(hs_client, long_lived)
    assert answer.status_code == 401 and answer.json["code"] == "token_lifetime_too_long"
    assert whoami(hs_client, jwt.encode(claims(iat=now, exp=now + 3600), SECRET, algorithm="HS256")).status_code == 200


def test_a_token_issued_in_the_future_is_refused(hs_client):
    now = int(time.time())
    answer = whoami(hs_client, jwt.encode(claims(iat=now + 600, exp=now + 1200), SECRET, algorithm="HS256"))
    assert answer.status_code == 401 and answer.json["code"] == "token_not_yet_valid"


def test_minting_refuses_a_lifetime_beyond_the_maximum():
    settings = Settings(env="test", jwt_secret=SECRET, jwt_max_ttl_seconds=3600)
    with pytest.raises(ValueError, match="3600"):
        mint_token(settings, sub="u", dept="education", roles=["clerk"], ttl=3601)
    token = mint_token(settings, sub="u", dept="education", roles=["clerk"], ttl=3600)
    decoded = jwt.decode(token, SECRET, algorithms=["HS256"], audience="registry")
    assert decoded["exp"] - decoded["iat"] == 3600


def test_a_signing_key_rotates_without_downtime(tmp_path, monkeypatch):
    # both keys published: tokens of the old signer and of the new one are accepted side by side
    monkeypatch.setenv("OFFCAMPUS_ENV", "production")
    path = tmp_path / "jwks.json"
    path.write_text(jwks(**{"2026-01": OLD, "2026-07": NEW}))
    monkeypatch.setenv("OFFCAMPUS_JWT_JWKS", str(path))
    verifier = Settings.from_env()
    client = client_for(verifier, tmp_path)
    by_old = mint_token(Settings(jwt_private_key=OLD[0], jwt_signing_kid="2026-01"), sub="u", dept="education",
                        roles=["clerk"])
    by_new = mint_token(Settings(jwt_private_key=NEW[0], jwt_signing_kid="2026-07"), sub="u", dept="education",
                        roles=["clerk"])
    assert jwt.get_unverified_header(by_new)["kid"] == "2026-07"
    assert whoami(client, by_old).status_code == whoami(client, by_new).status_code == 200
    # a key nobody published, or a known kid on another key's signature, is refused
    unknown = mint_token(Settings(jwt_private_key=STRANGER[0], jwt_signing_kid="2027-01"), sub="u",
                         dept="education", roles=["clerk"])
    answer = whoami(client, unknown)
    assert answer.status_code == 401 and answer.json["code"] == "token_unknown_key"
    posing = mint_token(Settings(jwt_private_key=STRANGER[0], jwt_signing_kid="2026-07"), sub="u",
                        dept="education", roles=["clerk"])
    assert whoami(client, posing).json["code"] == "token_invalid"
    # the old key withdrawn: its tokens stop working, the new signer's go on
    path.write_text(jwks(**{"2026-07": NEW}))
    client = client_for(Settings.from_env(), tmp_path)
    assert whoami(client, by_old).json["code"] == "token_unknown_key"
    assert whoami(client, by_new).status_code == 200


def test_the_single_public_key_setting_keeps_working_beside_a_key_set(tmp_path, monkeypatch):
    monkeypatch.setenv("OFFCAMPUS_JWT_PUBLIC_KEY", OLD[1])
    monkeypatch.setenv("OFFCAMPUS_JWT_JWKS", jwks(**{"2026-07": NEW}))
    client = client_for(Settings.from_env(), tmp_path)
    without_kid = mint_token(Settings(jwt_private_key=OLD[0]), sub="u", dept="education", roles=["clerk"])
    assert "kid" not in jwt.get_unverified_header(without_kid)
    assert whoami(client, without_kid).status_code == 200
    with_kid = mint_token(Settings(jwt_private_key=NEW[0], jwt_signing_kid="2026-07"), sub="u", dept="education",
                          roles=["clerk"])
    assert whoami(client, with_kid).status_code == 200
    hs = jwt.encode(claims(), SECRET, algorithm="HS256")  # a shared secret never passes for a public key
    assert whoami(client, hs).status_code == 401


@pytest.mark.parametrize("bad", ['{"keys": [{"kty": "RSA"}]}', "not json", '{"keys": [{"kty": "oct", "k": "YQ", '
                                                                           '"kid": "h", "alg": "HS256"}]}'])
def test_an_unusable_key_set_stops_the_service_from_starting(monkeypatch, bad):
    monkeypatch.setenv("OFFCAMPUS_JWT_JWKS", bad if bad.startswith("{") else "/nonexistent/jwks.json")
    with pytest.raises(SettingsError):
        Settings.from_env()
