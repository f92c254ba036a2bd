"""A user's linked provider accounts are `_externalAuths` records with PocketBase's rules: each user lists,
views and unlinks only their own; nobody but superusers creates or edits them."""

from __future__ import annotations

import pytest

LINKS = "/api/collections/_externalAuths/records"


@pytest.fixture
def two_users(oauth2, users, provider):
    provider.add_user("ann-sub", email="ann@example.com", name="Ann")
    provider.add_user("ben-sub", email="ben@example.com", name="Ben")
    ann, ben = oauth2.sign_in("ann-sub").get_json(), oauth2.sign_in("ben-sub").get_json()
    return (
        (ann["record"], {"Authorization": ann["token"]}),
        (ben["record"], {"Authorization": ben["token"]}),
    )


def test_each_user_lists_only_their_links(client, su_headers, two_users):
    (ann, ann_headers), (ben, ben_headers) = two_users
    mine = client.get(LINKS, headers=ann_headers).get_json()["items"]
    assert [(link["recordRef"], link["provider"], link["providerId"]) for link in mine] == [(ann["id"], "oidc", "ann-sub")]
    assert [link["recordRef"] for link in client.get(LINKS, headers=ben_headers).get_json()["items"]] == [ben["id"]]
    assert client.get(LINKS).get_json()["items"] == []  # guests see none
    assert len(client.get(LINKS, headers=su_headers).get_json()["items"]) == 2


def test_the_sdk_helpers_filter(client, two_users):
    (ann, ann_headers), (ben, _) = two_users
    for record_id, count in ((ann["id"], 1), (ben["id"], 0)):
        response = client.get(f"{LINKS}?filter=recordRef='{record_id}'", headers=ann_headers)
        assert response.get_json()["totalItems"] == count


def test_view_and_unlink_only_your_own(client, oauth2, two_users):
    (ann, ann_headers), (ben, ben_headers) = two_users
    ann_link = oauth2.links(recordRef=ann["id"])[0]
    assert client.get(f"{LINKS}/{ann_link['id']}", headers=ann_headers).status_code == 200
    assert client.get(f"{LINKS}/{ann_link['id']}", headers=ben_headers).status_code == 404
    assert client.delete(f"{LINKS}/{ann_link['id']}", headers=ben_headers).status_code == 404
    assert client.delete(f"{LINKS}/{ann_link['id']}").status_code == 404
    assert client.delete(f"{LINKS}/{ann_link['id']}", headers=ann_headers).status_code == 204
    assert oauth2.links(recordRef=ann["id"]) == [] and len(oauth2.links()) == 1


def test_nobody_but_superusers_creates_or_edits_links(client, su_headers, oauth2, two_users):
    (ann, ann_headers), (ben, _) = two_users
    forged = {"collectionRef": "_pb_users_auth_", "recordRef": ann["id"], "provider": "google", "providerId": "g-1"}
    for headers in ({}, ann_headers):
        response = client.post(LINKS, json=forged, headers=headers)
        assert (response.status_code, response.get_json()["message"]) == (403, "Only superusers can perform this action.")
    link = oauth2.links(recordRef=ann["id"])[0]
    moved = client.patch(f"{LINKS}/{link['id']}", json={"recordRef": ben["id"]}, headers=ann_headers)
    assert moved.status_code == 403
    assert client.post(LINKS, json=forged, headers=su_headers).status_code == 200


def test_after_unlinking_the_verified_email_links_again(client, oauth2, two_users):
    (ann, ann_headers), _ = two_users
    link = oauth2.links(recordRef=ann["id"])[0]
    client.delete(f"{LINKS}/{link['id']}", headers=ann_headers)
    again = oauth2.sign_in("ann-sub").get_json()
    assert again["record"]["id"] == ann["id"] and again["meta"]["isNew"] is False
    assert len(oauth2.links(recordRef=ann["id"])) == 1
