"""Webhooks to a member bank's system (issue 24): its administrator adds an endpoint on
系统对接 and copies the secret shown once; a case forwarded on the web queues one signed
delivery to that bank's endpoints only, which the outbox's sender POSTs to a real HTTP
server, retrying a refusal with the mail's back-off; a paused endpoint gets nothing.
The signature is checked here as a receiver would, by the Standard Webhooks recipe."""

import base64
import hashlib
import hmac
import json
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import select
from support import free_port

from portal.api.webhooks import PAYLOAD_SCHEMA
from portal.db import db
from portal.notify.models import OutboxMessage
from portal.notify.sender import drain


class Receiver:
    """A bank's system: records each POST, answers the next status queued for its path
    (200 when none is)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: dict[str, list[int]] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(
                    {
                        "path": self.path,
                        # Names as sent: HTTP's are case-insensitive (urllib capitalises).
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body.decode(),
                    }
                )
                queued = receiver.statuses.get(self.path) or [200]
                status = queued.pop(0) if len(queued) > 1 else queued[0]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"


@pytest.fixture
def receiver():
    receiver = Receiver()
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def add_endpoint(desk, admin: str, url: str, events=("case.forwarded", "case.sent_back")):
    """The administrator adds an endpoint; returns (its id, the secret shown once)."""
    client = desk.as_(admin)
    page = client.post("/settings/api/webhooks", data={"url": url, "events": list(events)})
    assert page.status_code == 200, page.get_data(as_text=True)[-1500:]
    html = page.get_data(as_text=True)
    secret = re.search(r'data-testid="webhook-secret"[^>]*>\s*<li[^>]*><code>([^<]+)</code>', html)
    assert secret, html[-1500:]
    with desk.app.app_context():
        from portal.api.webhooks import WebhookEndpoint

        endpoint_id = db.session.scalar(
            select(WebhookEndpoint.id).where(WebhookEndpoint.url == url)
        )
    # Shown once: the settings page never shows it again.
    assert secret.group(1) not in client.get("/settings/api").get_data(as_text=True)
    return endpoint_id, secret.group(1)


def verified(secret: str, headers: dict, body: str) -> bool:
    """Standard Webhooks: HMAC-SHA256 of "id.timestamp.body" under the secret's bytes,
    base64, after "v1,"; the header may list several, space-separated."""
    lower = {k.lower(): v for k, v in headers.items()}
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{lower['webhook-id']}.{lower['webhook-timestamp']}.{body}".encode()
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    offered = [s.partition(",")[2] for s in lower["webhook-signature"].split()]
    return any(hmac.compare_digest(expected, s) for s in offered)


def webhooks(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.channel == "webhook")
            .order_by(OutboxMessage.id)
        ).all()
        db.session.expunge_all()
        return list(rows)


def run_outbox(app, now, mail: list | None = None) -> dict:
    """The sweep's drain: e-mail to a fake SMTP (``mail`` collects it), webhooks for real."""
    sent = mail if mail is not None else []
    with app.app_context():
        return drain(now=now, send=sent.append, sender="portal@lnba.example.cn")


def test_forwarding_queues_one_signed_delivery_to_the_banks_endpoint_only(desk, receiver):
    _, secret = add_endpoint(desk, "bank1-admin", receiver.url("/bank1"))
    add_endpoint(desk, "bank2-admin", receiver.url("/bank2"))
    case_id = desk.register()
    assert webhooks(desk.app) == []  # registering tells no bank
    desk.step("assoc-staff", case_id, "forward")

    [delivery] = webhooks(desk.app)  # bank 1's only: the case is bank 1's
    assert delivery.recipient == receiver.url("/bank1")
    assert delivery.status == "queued"
    assert verified(secret, delivery.headers, delivery.body)
    document = json.loads(delivery.body)
    Draft202012Validator(
        PAYLOAD_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER
    ).validate(document)  # as the OpenAPI document's ``webhooks`` describe it
    assert document["type"] == "case.forwarded"
    assert document["id"] == delivery.headers["webhook-id"]
    assert document["occurred_at"] == "2026-11-23T02:00:00Z"  # 10:00 Beijing
    with desk.app.app_context():
        from portal.complaints.models import Complaint

        case = db.session.get(Complaint, case_id)
        assert document["case"] == {
            "id": case_id,
            "tracking_no": case.tracking_no,
            "state": "forwarded",
            "version": case.version,
            "member_id": desk.province.unit("bank1").id,
            "href": f"/api/v1/cases/{case_id}",
        }
    # No personal data, no text of the complaint (desk.register's).
    for private in ("王丽", "13812341234", "1234", "柜员态度差", "道歉"):
        assert private not in delivery.body.replace(case.tracking_no, "")

    mail: list = []
    counts = run_outbox(desk.app, desk.app.config["FROZEN_NOW"], mail)
    assert counts["failed"] == 0 and mail  # the notices' e-mail went in the same run
    [request] = receiver.requests
    assert request["path"] == "/bank1"
    assert request["body"] == delivery.body
    assert request["headers"]["content-type"] == "application/json"
    assert verified(secret, request["headers"], request["body"])
    [delivery] = webhooks(desk.app)
    assert delivery.status == "sent" and delivery.attempts == 1
    # Shown on the bank's settings page, not on the other bank's.
    assert "已送达" in desk.as_("bank1-admin").get("/settings/api").get_data(as_text=True)
    assert "已送达" not in desk.as_("bank2-admin").get("/settings/api").get_data(as_text=True)


def test_a_refusing_or_unreachable_endpoint_is_retried_with_back_off(desk, receiver):
    _, secret = add_endpoint(desk, "bank1-admin", receiver.url("/flaky"))
    add_endpoint(desk, "bank1-admin", f"http://127.0.0.1:{free_port()}/down")  # nobody there
    receiver.statuses["/flaky"] = [500, 200]
    case_id = desk.register()
    desk.step("assoc-staff", case_id, "forward")
    now = desk.app.config["FROZEN_NOW"]

    mail: list = []
    counts = run_outbox(desk.app, now, mail)
    assert counts["failed"] == 2 and mail  # both endpoints failed; the mail still went
    flaky, down = webhooks(desk.app)
    for delivery in (flaky, down):
        assert (delivery.status, delivery.attempts) == ("queued", 1)
        assert delivery.next_attempt_at == now + timedelta(minutes=1)
    assert "500" in flaky.last_error
    assert "URLError" in down.last_error or "Error" in down.last_error

    assert run_outbox(desk.app, now)["sent"] == 0  # not before its back-off
    counts = run_outbox(desk.app, now + timedelta(minutes=1))
    assert counts == {"sent": 1, "failed": 1, "gave_up": 0}
    flaky, down = webhooks(desk.app)
    assert (flaky.status, flaky.attempts) == ("sent", 2)
    assert (down.status, down.attempts) == ("queued", 2)
    assert down.next_attempt_at == now + timedelta(minutes=1) + timedelta(minutes=2)
    # The same delivery each time (id and body), signed at each attempt's time: a
    # receiver refuses a timestamp minutes old.
    first, second = [r for r in receiver.requests if r["path"] == "/flaky"]
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"]
    assert first["body"] == second["body"]
    assert first["headers"]["webhook-timestamp"] == str(int(now.timestamp()))
    retried_at = now + timedelta(minutes=1)
    assert second["headers"]["webhook-timestamp"] == str(int(retried_at.timestamp()))
    assert verified(secret, second["headers"], second["body"])
    page = desk.as_("bank1-admin").get("/settings/api").get_data(as_text=True)
    assert "已送达" in page and "待发送" in page


def test_a_failing_endpoint_costs_one_attempt_a_run(desk, receiver):
    """Its other deliveries wait for the next run: an endpoint that times out would
    otherwise hold the sweep for the timeout once per message."""
    add_endpoint(desk, "bank1-admin", receiver.url("/down"))
    receiver.statuses["/down"] = [503]
    for _ in range(3):
        desk.step("assoc-staff", desk.register(), "forward")
    counts = run_outbox(desk.app, desk.app.config["FROZEN_NOW"])
    assert counts["failed"] == 1 and len(receiver.requests) == 1
    assert sorted(d.attempts for d in webhooks(desk.app)) == [0, 0, 1]


def test_a_paused_endpoint_gets_nothing_and_a_resumed_one_gets_the_next(desk, receiver):
    endpoint_id, _ = add_endpoint(desk, "bank1-admin", receiver.url("/bank1"))
    admin = desk.as_("bank1-admin")
    assert (
        admin.post(f"/settings/api/webhooks/{endpoint_id}/active", data={"active": "0"}).status_code
        == 302
    )
    assert "已暂停" in admin.get("/settings/api").get_data(as_text=True)
    case_id = desk.register()
    desk.step("assoc-staff", case_id, "forward")
    assert webhooks(desk.app) == []
    admin.post(f"/settings/api/webhooks/{endpoint_id}/active", data={"active": "1"})
    desk.step("assoc-staff", case_id, "recall", reason="转错了。")
    assert webhooks(desk.app) == []  # it does not listen to recalls
    admin.post(
        f"/settings/api/webhooks/{endpoint_id}/events",
        data={"events": ["case.forwarded", "case.recalled"]},
    )
    desk.step("assoc-staff", case_id, "forward")
    desk.step("assoc-staff", case_id, "recall", reason="又转错了。")
    assert [json.loads(d.body)["type"] for d in webhooks(desk.app)] == [
        "case.forwarded",
        "case.recalled",
    ]


def test_sent_back_for_re_verification_tells_the_bank(desk, receiver):
    _, secret = add_endpoint(desk, "bank1-admin", receiver.url("/bank1"))
    case_id = desk.register()
    desk.step("assoc-staff", case_id, "forward")
    desk.step("bank1-a", case_id, "accept")
    desk.step("bank1-a", case_id, "verify", finding="substantiated", facts="属实。")
    desk.step("bank1-a", case_id, "report", summary="已处理。")
    desk.step("assoc-staff", case_id, "send_back", reason="核实不充分。")
    forwarded, sent_back = webhooks(desk.app)
    document = json.loads(sent_back.body)
    assert document["type"] == "case.sent_back" and document["case"]["state"] == "handling"
    assert verified(secret, sent_back.headers, sent_back.body)
    assert forwarded.headers["webhook-id"] != sent_back.headers["webhook-id"]


def test_a_rotated_secret_signs_what_is_sent_next(desk, receiver):
    endpoint_id, old = add_endpoint(desk, "bank1-admin", receiver.url("/bank1"))
    waiting = desk.register()
    desk.step("assoc-staff", waiting, "forward")  # queued, signed with the old secret
    page = desk.as_("bank1-admin").post(f"/settings/api/webhooks/{endpoint_id}/rotate")
    assert page.status_code == 200
    new = re.search(
        r'data-testid="webhook-secret"[^>]*>\s*<li[^>]*><code>([^<]+)</code>',
        page.get_data(as_text=True),
    ).group(1)
    assert new != old and new.startswith("whsec_")
    case_id = desk.register()
    desk.step("assoc-staff", case_id, "forward")
    before, after = webhooks(desk.app)
    assert verified(old, before.headers, before.body)
    assert verified(new, after.headers, after.body)
    assert not verified(old, after.headers, after.body)
    # Sent, both carry the new secret's signature: what the bank's system now holds.
    run_outbox(desk.app, desk.app.config["FROZEN_NOW"])
    assert len(receiver.requests) == 2
    for request in receiver.requests:
        assert verified(new, request["headers"], request["body"])


def test_the_secret_rests_encrypted(desk, receiver):
    endpoint_id, secret = add_endpoint(desk, "bank1-admin", receiver.url("/bank1"))
    with desk.app.app_context():
        from portal.api.webhooks import WebhookEndpoint

        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        assert secret not in endpoint.secret_encrypted
        assert endpoint.secret == secret


def test_bad_settings_answer_422_with_the_reason_and_write_nothing(desk):
    admin = desk.as_("bank1-admin")
    for data, reason in (
        ({"url": "ftp://bank1.example.cn/hook", "events": ["case.forwarded"]}, "https://"),
        ({"url": "https://bank1.example.cn/hook"}, "请至少选择一个事件"),
        ({"url": "https://" + "a" * 200 + ".cn/", "events": ["case.forwarded"]}, "200"),
        ({"url": "https://user:pw@bank1.example.cn/", "events": ["case.forwarded"]}, "用户名"),
        ({"url": "https://bank1.example.cn:99999/", "events": ["case.forwarded"]}, "网址"),
    ):
        response = admin.post("/settings/api/webhooks", data=data)
        assert response.status_code == 422, data
        assert reason in response.get_data(as_text=True), (data, reason)
    with desk.app.app_context():
        from portal.api.webhooks import WebhookEndpoint

        assert db.session.scalars(select(WebhookEndpoint)).all() == []


def test_production_requires_https(app, province):
    from support import sign_in

    app.config["ENV_NAME"] = "production"  # read when the URL is checked
    app.config["DATA_KEY"] = "a production data key"
    client = app.test_client()
    sign_in(client, "bank1-admin")
    data = {"url": "http://bank1.example.cn/hook", "events": ["case.forwarded"]}
    response = client.post("/settings/api/webhooks", data=data)
    assert response.status_code == 422 and "https://" in response.get_data(as_text=True)
    data["url"] = "https://bank1.example.cn/hook"
    assert client.post("/settings/api/webhooks", data=data).status_code == 200


def test_only_the_banks_administrator_changes_its_endpoints(desk, receiver):
    endpoint_id, _ = add_endpoint(desk, "bank1-admin", receiver.url("/bank1"))
    for who, status in (("bank2-admin", 404), ("bank1-a", 403), ("assoc-admin", 403)):
        client = desk.as_(who)
        for action in ("active", "rotate", "events"):
            answer = client.post(
                f"/settings/api/webhooks/{endpoint_id}/{action}",
                data={"active": "0", "events": ["case.recalled"]},
            )
            assert answer.status_code == status, (who, action, answer.status_code)
    with desk.app.app_context():
        from portal.api.webhooks import WebhookEndpoint

        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        assert endpoint.is_active and endpoint.version == 1
    # The association reads every bank's endpoints; bank 2 does not see bank 1's.
    assert receiver.url("/bank1") in desk.as_("assoc-admin").get("/settings/api").get_data(
        as_text=True
    )
    assert receiver.url("/bank1") not in desk.as_("bank2-admin").get("/settings/api").get_data(
        as_text=True
    )


def test_a_correction_that_moves_the_case_to_another_bank_tells_both(desk, receiver):
    """Forwarded to bank 1, the outlet corrected to bank 2's before acceptance: bank 2's
    system hears it forwarded, bank 1's that it was recalled."""
    every = tuple(["case.forwarded", "case.sent_back", "case.recalled"])
    add_endpoint(desk, "bank1-admin", receiver.url("/bank1"), every)
    add_endpoint(desk, "bank2-admin", receiver.url("/bank2"), every)
    case_id = desk.register()
    desk.step("assoc-staff", case_id, "forward")
    desk.step(
        "assoc-staff",
        case_id,
        "correct",
        outlet_id=desk.province.unit("bank2-outlet1").id,
        complainant_name="王丽",
        reply_channel="phone",
        reason="被投诉网点选错，应为第2银行。",
    )
    told = [(d.recipient.rsplit("/", 1)[1], json.loads(d.body)["type"]) for d in webhooks(desk.app)]
    assert told == [
        ("bank1", "case.forwarded"),
        ("bank2", "case.forwarded"),
        ("bank1", "case.recalled"),
    ]
    # A correction that moves nothing tells nobody.
    desk.step(
        "assoc-staff",
        case_id,
        "correct",
        outlet_id=desk.province.unit("bank2-outlet1").id,
        complainant_name="王丽丽",
        reply_channel="phone",
        reason="姓名更正。",
    )
    assert len(webhooks(desk.app)) == 3


def test_a_delivery_given_up_is_on_the_outbox_page_and_sent_again_on_request(desk, receiver):
    """After its retries (12 attempts), a webhook is failed like mail: the association's
    administrator sees it on 邮件发送 and ``flask outbox requeue`` puts it back."""
    add_endpoint(desk, "bank1-admin", receiver.url("/bank1"))
    receiver.statuses["/bank1"] = [500]
    desk.step("assoc-staff", desk.register(), "forward")
    now = desk.app.config["FROZEN_NOW"]
    for _ in range(12):
        counts = run_outbox(desk.app, now + timedelta(days=1))
        now += timedelta(days=1)
    assert counts["gave_up"] == 1
    [delivery] = webhooks(desk.app)
    assert (delivery.status, delivery.attempts) == ("failed", 12)
    page = desk.as_("assoc-admin").get("/outbox").get_data(as_text=True)
    assert receiver.url("/bank1") in page and "HTTPError" in page
    result = desk.app.test_cli_runner().invoke(args=["outbox", "requeue", str(delivery.id)])
    assert "requeued 1" in result.output, result.output
    receiver.statuses["/bank1"] = [200]
    # (the command queues it for now, the real clock: the run comes after)
    assert run_outbox(desk.app, now + timedelta(days=400))["sent"] == 1
