"""Failed mail can be sent again (issue 21.10): after its retries (about ten hours of
SMTP outage) a message is failed; the association administrator sees it with its error
on 邮件发送 and sends it again with 重新发送 (or all of it), and
``flask --app wsgi outbox requeue`` does the same from the shell. No one else may."""

from datetime import timedelta

import pytest
from sqlalchemy import select
from support import NOW, sign_in

from portal.db import db
from portal.notify.models import OutboxMessage


def _message(key: str, status: str, *, error: str | None = None, attempts: int = 12) -> int:
    message = OutboxMessage(
        recipient=f"{key}@bank1.example.cn",
        subject=f"主题 {key}",
        body="正文",
        dedupe_key=key,
        status=status,
        attempts=attempts if status == "failed" else 1,
        last_error=error,
        created_at=NOW - timedelta(hours=11),
        next_attempt_at=NOW - timedelta(hours=1),
        sent_at=NOW if status == "sent" else None,
    )
    db.session.add(message)
    db.session.commit()
    return message.id


@pytest.fixture
def outbox(app, province):
    with app.app_context():
        return {
            "down": _message("down", "failed", error="ConnectionRefusedError: [Errno 111]"),
            "refused": _message("refused", "failed", error="SMTPRecipientsRefused: 550"),
            "sent": _message("sent", "sent"),
        }


def _state(app, message_id: int) -> tuple[str, int]:
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        return message.status, message.attempts


def test_the_administrator_sees_failed_mail_with_its_error(app, outbox):
    client = app.test_client()
    sign_in(client, "assoc-admin")
    home = client.get("/home").get_data(as_text=True)
    assert 'href="/outbox"' in home  # in the menu, beside users and the change log
    page = client.get("/outbox").get_data(as_text=True)
    assert "ConnectionRefusedError: [Errno 111]" in page
    assert "SMTPRecipientsRefused: 550" in page
    assert "主题 sent" not in page  # failed mail only, unless asked for all
    assert page.count("重新发送") >= 2 and "data-confirm" in page
    everything = client.get("/outbox?status=all").get_data(as_text=True)
    assert "主题 sent" in everything and "主题 down" in everything


def test_the_button_puts_one_failed_message_back_in_the_queue(app, outbox):
    client = app.test_client()
    sign_in(client, "assoc-admin")
    response = client.post("/outbox/requeue", data={"message": outbox["down"]})
    assert response.status_code == 302
    assert _state(app, outbox["down"]) == ("queued", 0)
    assert _state(app, outbox["refused"]) == ("failed", 12)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "重新放入发送队列" in page
    # Sent mail is not sent again; a hostile id is no message, not an error.
    for value in (outbox["sent"], 2**63, "x"):
        client.post("/outbox/requeue", data={"message": value})
    assert _state(app, outbox["sent"]) == ("sent", 1)
    client.post("/outbox/requeue", data={"all": "1"})
    assert _state(app, outbox["refused"]) == ("queued", 0)
    with app.app_context():
        due = db.session.scalars(select(OutboxMessage.next_attempt_at)).all()
        assert all(moment <= NOW + timedelta(days=400) for moment in due)


def test_the_command_requeues_given_ids_or_all_failed(app, outbox):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["outbox", "requeue", str(outbox["down"]), str(outbox["sent"])])
    assert result.exit_code == 0, result.output
    assert "requeued 1" in result.output
    assert _state(app, outbox["down"]) == ("queued", 0)
    assert _state(app, outbox["sent"]) == ("sent", 1)
    assert runner.invoke(args=["outbox", "requeue"]).exit_code != 0  # neither: a usage error
    result = runner.invoke(args=["outbox", "requeue", "--all-failed"])
    assert result.exit_code == 0 and "requeued 1" in result.output
    assert _state(app, outbox["refused"]) == ("queued", 0)


@pytest.mark.parametrize("username", ["bank1-admin", "bank1-a", "assoc-staff", "assoc-leader"])
def test_no_one_else_sees_or_requeues_the_outbox(app, outbox, username):
    client = app.test_client()
    sign_in(client, username)
    assert client.get("/outbox").status_code == 403
    assert 'href="/outbox"' not in client.get("/home").get_data(as_text=True)
    assert client.post("/outbox/requeue", data={"all": "1"}).status_code == 403
    assert _state(app, outbox["down"]) == ("failed", 12)
