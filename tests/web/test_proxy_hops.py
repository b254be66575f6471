"""Behind nginx the throttles must count the client's address, not the proxy's; without
a proxy, a client's own X-Forwarded-For is not believed (it could dodge the throttles)."""

from flask import request


def _seen_address(app, **environ) -> str:
    app.add_url_rule("/_address", "_address", lambda: request.remote_addr or "")
    client = app.test_client()
    return client.get(
        "/_address", headers={"X-Forwarded-For": "203.0.113.7"}, environ_base=environ
    ).get_data(as_text=True)


def test_one_proxy_believed_for_one_hop(make_app):
    app = make_app(PROXY_HOPS=1)
    assert _seen_address(app, REMOTE_ADDR="10.0.0.2") == "203.0.113.7"


def test_no_proxy_configured_the_header_is_ignored(make_app):
    app = make_app()
    assert _seen_address(app, REMOTE_ADDR="10.0.0.2") == "10.0.0.2"
