"""The console's logs screen: request log entries with a filter, and a chart of requests per hour."""

from __future__ import annotations

from urllib.parse import quote


def test_logs_list_filters_and_chart(signed_in, core, client):
    client.get("/api/collections/users/records?probe=ok")
    client.get("/api/collections/users/records?filter=broken=")
    core.logs.flush()
    html = signed_in.text("/_/logs")
    assert 'data-testid="logs-chart"' in html and "<rect" in html
    assert "/api/collections/users/records?probe=ok" in html
    assert "Something went wrong while processing your request." in html  # the 400's error is shown
    only_errors = signed_in.text("/_/logs?filter=" + quote("data.status >= 400"))
    assert "filter=broken=" in only_errors and "probe=ok" not in only_errors


def test_a_bad_filter_is_shown_not_a_500(signed_in):
    html = signed_in.text("/_/logs?filter=" + quote("nope ="))
    assert 'data-testid="logs-error"' in html


def test_values_are_escaped_and_the_page_needs_a_session(signed_in, console, core, client):
    client.get("/api/health?x=<script>alert(1)</script>")
    core.logs.flush()
    html = signed_in.text("/_/logs")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    signed_in.post("/_/logout", {}, token_from="/_/logs")
    assert console.client.get("/_/logs").status_code == 302
