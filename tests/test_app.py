"""The app's outer shell: health, the error shape for anything that goes wrong, headers, guests."""

from __future__ import annotations

import logging

import pytest

HEALTHY = b'{"message":"API is healthy.","code":200,"data":{}}'


def assert_error_shape(response, status: int) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"status", "message", "data"}
    assert body["status"] == status and body["data"] == {} and body["message"]
    return body


def test_health_is_exactly_pocketbases_answer(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.data == HEALTHY


def test_health_answers_head(client):
    assert client.head("/api/health").status_code == 200


def test_unknown_api_route_is_a_json_404(client):
    assert_error_shape(client.get("/api/definitely/not/here"), 404)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_wrong_method_is_json_not_html(client, method):
    response = getattr(client, method)("/api/health")
    assert response.status_code in (404, 405)
    assert_error_shape(response, response.status_code)
    assert b"<html" not in response.data.lower()


def test_unexpected_exception_is_a_logged_500_without_internals(app, client, caplog):
    @app.route("/api/test-boom")
    def boom():
        raise RuntimeError("internal detail: password=hunter2")

    with caplog.at_level(logging.ERROR):
        response = client.get("/api/test-boom")
    body = assert_error_shape(response, 500)
    assert "hunter2" not in response.get_data(as_text=True)
    assert "RuntimeError" not in body["message"]
    # other loggers' lines (another app's background threads) are not this request's
    logged = [record for record in caplog.records
              if record.name == "baas.api" and record.exc_info and record.levelno >= logging.ERROR]
    assert logged and isinstance(logged[0].exc_info[1], RuntimeError)


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("X-XSS-Protection", "1; mode=block"),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "SAMEORIGIN"),
    ],
)
def test_security_headers(client, header, value):
    assert client.get("/api/health").headers.get(header) == value
    assert client.get("/api/nope").headers.get(header) == value


def test_cors_for_a_cross_origin_request(client):
    response = client.get("/api/health", headers={"Origin": "https://app.example.com"})
    assert response.headers.get("Access-Control-Allow-Origin") in ("*", "https://app.example.com")


def test_cors_preflight(client):
    response = client.options(
        "/api/health",
        headers={
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "Authorization, Content-Type",
        },
    )
    assert response.status_code in (200, 204)
    assert response.headers.get("Access-Control-Allow-Origin") in ("*", "https://app.example.com")
    assert "PATCH" in response.headers.get("Access-Control-Allow-Methods", "")
    assert "authorization" in response.headers.get("Access-Control-Allow-Headers", "").lower()


@pytest.mark.parametrize("value", ["garbage", "Bearer garbage", "Bearer ", "eyJhbGciOiJIUzI1NiJ9.e30.invalid"])
def test_invalid_authorization_on_a_public_endpoint_is_a_guest(app, client, value):
    from baas.api.util import ctx, json_response

    @app.route("/api/test-whoami")
    def whoami():
        return json_response({"guest": ctx().auth is None})

    assert client.get("/api/health", headers={"Authorization": value}).data == HEALTHY
    response = client.get("/api/test-whoami", headers={"Authorization": value})
    assert response.status_code == 200
    assert response.get_json() == {"guest": True}
