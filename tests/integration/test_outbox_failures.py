"""One bad message never stops the sender (issue 21.4): a line break in a unit's name
reaches a subject, where Python's e-mail headers refuse it. Subjects are one line when
queued (and when sent, for rows queued before); any failure of one message is a failed
attempt of that message, with its error and back-off, and the run goes on."""

from datetime import timedelta
from email import message_from_bytes, policy

from sqlalchemy import select
from support import NOW
from test_outbox import smtp_server  # noqa: F401  (the fixture: a real SMTP server)

from portal.auth.models import User
from portal.db import db
from portal.notify.models import OutboxMessage
from portal.notify.operations import notify_user, queue_mail
from portal.notify.sender import MAX_ATTEMPTS, SmtpSettings, drain, smtp_transport

SENDER = "portal@lnba.example.cn"


def _received(inbox) -> dict[str, str]:
    """Recipient -> subject of each mail the server took."""
    mails = [message_from_bytes(e.content, policy=policy.default) for e in inbox.messages]
    return {str(m["To"]): str(m["Subject"]) for m in mails}


def test_a_line_break_in_a_subject_is_a_space_and_the_mail_leaves(app, province, smtp_server):  # noqa: F811
    controller, inbox = smtp_server
    with app.app_context():
        user = db.session.get(User, province.user("bank1-a").id)
        user.email = "bank1-a@bank1.example.cn"
        # A gap alert names the unit: this one was entered with a line break in it.
        notify_user(
            user,
            title="值班空缺：第1银行\n和平支行\r\n1号网点",
            body="请指定A、B角。",
            dedupe_key="gap:1",
            now=NOW,
        )
        db.session.commit()
        assert db.session.scalars(select(OutboxMessage.subject)).one() == (
            "值班空缺：第1银行 和平支行 1号网点"
        )
        # A row queued before subjects were cleaned still leaves, on one line.
        db.session.add(
            OutboxMessage(
                recipient="old@bank1.example.cn",
                subject="旧邮件\n第二行",
                body="正文",
                dedupe_key="legacy:1",
                created_at=NOW,
                next_attempt_at=NOW,
            )
        )
        db.session.commit()
        up = SmtpSettings(controller.hostname, controller.port)
        counts = drain(now=NOW, send=smtp_transport(up), sender=SENDER)
        assert counts == {"sent": 2, "failed": 0, "gave_up": 0}
    assert _received(inbox) == {
        "bank1-a@bank1.example.cn": "值班空缺：第1银行 和平支行 1号网点",
        "old@bank1.example.cn": "旧邮件 第二行",
    }


def test_any_failure_of_one_message_is_its_failed_attempt_and_the_run_goes_on(
    app,
    smtp_server,  # noqa: F811
):
    controller, inbox = smtp_server
    with app.app_context():
        # A header Python refuses to write (a line break in the address): a ValueError,
        # not an SMTP error. It is first in the queue.
        db.session.add(
            OutboxMessage(
                recipient="a@bank1.example.cn\nBcc: x@evil.example",
                subject="坏邮件",
                body="正文",
                dedupe_key="bad:1",
                created_at=NOW - timedelta(minutes=1),
                next_attempt_at=NOW - timedelta(minutes=1),
            )
        )
        db.session.commit()
        for i in range(2):
            queue_mail(
                recipient=f"h{i}@bank.example.cn",
                subject=f"提醒 {i}",
                body="请及时处理。",
                dedupe_key=f"test:{i}",
                now=NOW,
            )
        db.session.commit()
        up = SmtpSettings(controller.hostname, controller.port)
        counts = drain(now=NOW, send=smtp_transport(up), sender=SENDER)
        assert counts == {"sent": 2, "failed": 1, "gave_up": 0}
        bad = db.session.scalars(select(OutboxMessage).filter_by(dedupe_key="bad:1")).one()
        assert bad.status == "queued" and bad.attempts == 1
        assert bad.last_error.startswith("ValueError")
        assert bad.next_attempt_at == NOW + timedelta(minutes=1)  # the back-off of SMTP errors
        # Later runs do not crash either; after its retries it is given up, not stuck.
        moment = NOW
        for _ in range(MAX_ATTEMPTS - 1):
            moment += timedelta(hours=3)
            drain(now=moment, send=smtp_transport(up), sender=SENDER)
        db.session.refresh(bad)
        assert bad.status == "failed" and bad.attempts == MAX_ATTEMPTS
    assert sorted(_received(inbox)) == ["h0@bank.example.cn", "h1@bank.example.cn"]
