"""Fixtures of the OAuth2 tests.

    oidc        (session) the loopback OpenID Connect provider (oidc_provider.OIDCProvider)
    provider    `oidc`, its knobs and current user reset for the test
    users       the `users` collection with OAuth2 enabled and `provider` configured as `oidc`
    oauth2      helpers bound to the test's client (oauth2kit.OAuth2Kit)
"""

from __future__ import annotations

import pytest
from oauth2kit import OAuth2Kit
from oidc_provider import OIDCProvider

from baas.core.oauth2 import idtoken


@pytest.fixture(scope="session")
def oidc():
    provider = OIDCProvider().start()
    yield provider
    provider.stop()


@pytest.fixture
def provider(oidc):
    oidc.reset()
    idtoken.clear_cache()
    yield oidc
    oidc.reset()


@pytest.fixture
def oauth2(client, su_headers, provider):
    return OAuth2Kit(client, su_headers, provider)


@pytest.fixture
def users(oauth2):
    oauth2.configure()
    return oauth2.client.get("/api/collections/users", headers=oauth2.su_headers).get_json()
