"""Protected files, on local disk and S3: served only with a valid `?token=` from POST /api/files/token
whose owner passes the collection's viewRule (the Authorization header does not count); 404 otherwise."""

from __future__ import annotations

import pytest

from baas.core import tokens
from files_support import unique

NOT_FOUND = {"status": 404, "message": "The requested resource wasn't found.", "data": {}}


@pytest.fixture(scope="module")
def vault(fx):
    """A collection whose viewRule lets only the record's owner see it, a record of Ann's, and Ann and Bob."""
    ann = fx.user(f"{unique('ann')}@example.com")
    bob = fx.user(f"{unique('bob')}@example.com")
    users = fx.core.collections.get("users")
    collection = fx.collection(
        [
            {"name": "owner", "type": "relation", "collectionId": users.id},
            {"name": "secret", "type": "file", "protected": True, "maxSelect": 2, "thumbs": ["20x20"]},
            {"name": "open", "type": "file"},
        ],
        viewRule="owner = @request.auth.id",
    )
    from files_support import image

    record = fx.created(collection["name"], [
        ("owner", ann["id"]), ("secret", "diary.txt", b"dear diary"), ("secret", "face.png", image()), ("open", "hello.txt", b"hi"),
    ])
    return collection, record, fx.login(ann["email"]), fx.login(bob["email"])


def file_token(fx, headers) -> str:
    response = fx.client.post("/api/files/token", headers=headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == {"token"}
    return body["token"]


def test_the_token_endpoint(fx, vault):
    _, _, ann, _ = vault
    token = file_token(fx, ann)
    claims = tokens.peek(token)
    assert claims["type"] == "file" and claims["collectionId"] == fx.core.collections.get("users").id
    guest = fx.client.post("/api/files/token")
    assert guest.status_code == 401
    assert guest.get_json() == {"status": 401, "message": "The request requires valid record authorization token.", "data": {}}


def test_the_owner_with_a_file_token(fx, vault):
    _, record, ann, _ = vault
    token = file_token(fx, ann)
    response = fx.file(record, record["secret"][0], token=token)
    assert response.status_code == 200 and response.data == b"dear diary"
    assert response.headers["Cache-Control"].startswith("private")
    thumb = fx.file(record, record["secret"][1], token=token, thumb="20x20")
    assert thumb.status_code == 200 and thumb.headers["Content-Disposition"].startswith('inline; filename="20x20_')


def test_without_a_token_or_with_only_the_auth_header(fx, vault):
    _, record, ann, _ = vault
    for response in (fx.file(record, record["secret"][0]), fx.file(record, record["secret"][0], headers=ann),
                     fx.file(record, record["secret"][1], thumb="20x20")):
        assert response.status_code == 404
        assert response.get_json() == NOT_FOUND


def test_someone_failing_the_view_rule(fx, vault):
    _, record, _, bob = vault
    response = fx.file(record, record["secret"][0], token=file_token(fx, bob))
    assert response.status_code == 404 and response.get_json() == NOT_FOUND


def test_a_superusers_file_token(fx, vault):
    _, record, _, _ = vault
    response = fx.file(record, record["secret"][0], token=file_token(fx, fx.su))
    assert response.status_code == 200 and response.data == b"dear diary"


def test_tokens_that_are_no_valid_file_tokens(fx, vault):
    _, record, ann, _ = vault
    owner = fx.core.records_repo.find(fx.core.collections.get("users"), tokens.peek(file_token(fx, ann))["id"])
    expired = tokens.issue(owner.collection, owner.id, owner.get("tokenKey", ""), tokens.FILE, duration=-10)
    auth_token = ann["Authorization"]
    forged = file_token(fx, ann)[:-4] + "AAAA"
    for token in (expired, auth_token, forged, "not-a-token", ""):
        assert fx.file(record, record["secret"][0], token=token).status_code == 404, token


def test_a_password_change_revokes_file_tokens(fx):
    email = f"{unique('carol')}@example.com"
    carol = fx.user(email)
    collection = fx.collection([{"name": "doc", "type": "file", "protected": True}], viewRule="@request.auth.id != ''")
    record = fx.created(collection["name"], [("doc", "c.txt", b"c")])
    token = file_token(fx, fx.login(email))
    assert fx.file(record, record["doc"], token=token).status_code == 200
    new_password = "An0ther-Passw0rd"
    response = fx.client.patch(f"/api/collections/users/records/{carol['id']}",
                               json={"password": new_password, "passwordConfirm": new_password}, headers=fx.su)
    assert response.status_code == 200, response.get_json()
    assert fx.file(record, record["doc"], token=token).status_code == 404


def test_files_of_a_field_that_is_not_protected_need_no_token(fx, vault):
    _, record, _, _ = vault
    response = fx.file(record, record["open"])
    assert response.status_code == 200 and response.data == b"hi"


def test_a_public_view_rule_leaves_protected_files_public(fx):
    collection = fx.collection([{"name": "doc", "type": "file", "protected": True}], viewRule="")
    record = fx.created(collection["name"], [("doc", "p.txt", b"public")])
    assert fx.file(record, record["doc"]).status_code == 200


def test_a_locked_view_rule_lets_only_superusers_in(fx):
    email = f"{unique('dave')}@example.com"
    fx.user(email)
    collection = fx.collection([{"name": "doc", "type": "file", "protected": True}], viewRule=None)
    record = fx.created(collection["name"], [("doc", "l.txt", b"locked")])
    assert fx.file(record, record["doc"]).status_code == 404
    assert fx.file(record, record["doc"], token=file_token(fx, fx.login(email))).status_code == 404
    assert fx.file(record, record["doc"], token=file_token(fx, fx.su)).status_code == 200


def test_the_rule_sees_the_protected_file_context(fx):
    """`@request.context` is "protectedFile" while a protected file is checked."""
    email = f"{unique('erin')}@example.com"
    fx.user(email)
    collection = fx.collection([{"name": "doc", "type": "file", "protected": True}],
                               viewRule="@request.context = 'protectedFile' && @request.auth.id != ''")
    record = fx.created(collection["name"], [("doc", "x.txt", b"ctx")])
    token = file_token(fx, fx.login(email))
    assert fx.file(record, record["doc"], token=token).status_code == 200
    # the same rule does not pass a plain record view
    assert fx.client.get(f"/api/collections/{collection['name']}/records/{record['id']}", headers=fx.login(email)).status_code == 404
