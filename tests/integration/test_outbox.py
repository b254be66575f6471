"""The outbox: queued in the change's transaction, sent over real SMTP, retried while
the server is down, never sent twice."""

from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from support import NOW, free_port

from portal.db import db
from portal.notify.models import Notification, OutboxMessage
from portal.notify.operations import Note, notify_many, notify_user, queue_mail
from portal.notify.sender import SmtpSettings, drain, smtp_transport


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def _queue(n):
    for i in range(n):
        queue_mail(
            recipient=f"h{i}@bank.example.cn",
            subject=f"提醒 {i}",
            body="请及时处理。",
            dedupe_key=f"test:{i}",
            now=NOW,
        )
    db.session.commit()


def test_queueing_twice_with_the_same_key_adds_one_message(app):
    with app.app_context():
        _queue(2)
        _queue(2)
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 2


def test_smtp_down_keeps_mail_queued_and_later_sends_each_once(app, smtp_server):
    controller, inbox = smtp_server
    with app.app_context():
        _queue(3)
        down = SmtpSettings("127.0.0.1", free_port(), timeout=2)  # nothing listens there
        counts = drain(now=NOW, send=smtp_transport(down), sender="portal@lnba.example.cn")
        assert counts["sent"] == 0 and counts["failed"] == 1
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == "queued")
            )
            == 3
        )
        up = SmtpSettings(controller.hostname, controller.port)
        # Not yet: the failed one waits for its back-off, the others go now.
        early = drain(now=NOW, send=smtp_transport(up), sender="portal@lnba.example.cn")
        assert early["sent"] == 2
        later = drain(
            now=NOW + timedelta(minutes=5), send=smtp_transport(up), sender="portal@lnba.example.cn"
        )
        assert later["sent"] == 1
        again = drain(
            now=NOW + timedelta(hours=1), send=smtp_transport(up), sender="portal@lnba.example.cn"
        )
        assert again["sent"] == 0
    assert sorted(m.rcpt_tos[0] for m in inbox.messages) == [
        "h0@bank.example.cn",
        "h1@bank.example.cn",
        "h2@bank.example.cn",
    ]
    assert (
        "提醒" in inbox.messages[0].content.decode("utf-8", "replace") or inbox.messages[0].content
    )


def test_notify_user_is_idempotent_and_mails_the_user(app, province):
    with app.app_context():
        from portal.auth.models import User

        user = db.session.get(User, province.user("bank1-a").id)
        user.email = "bank1-a@bank1.example.cn"
        for _ in range(2):
            notify_user(
                user,
                title="新投诉待受理",
                body="LN2026-000001",
                link="/cases/1",
                dedupe_key="case1:forwarded",
                now=NOW,
            )
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 1
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_the_e_mail_carries_an_absolute_link_and_the_app_keeps_the_path(make_app, province):
    """A mail reader cannot follow "/cases/1": the e-mail puts PORTAL_BASE_URL in front."""
    app = make_app(BASE_URL="https://complaints.example.org/")
    with app.app_context():
        from portal.auth.models import User

        user = db.session.get(User, province.user("bank1-a").id)
        user.email = "bank1-a@bank1.example.cn"
        notify_user(
            user,
            title="新投诉待受理",
            body="LN2026-000001",
            link="/cases/1",
            dedupe_key="case1:forwarded",
            now=NOW,
        )
        db.session.commit()
        assert db.session.scalars(select(Notification.link)).one() == "/cases/1"
        assert db.session.scalars(select(OutboxMessage.body)).one() == (
            "LN2026-000001\n\nhttps://complaints.example.org/cases/1"
        )


def test_bell_shows_unread_count_and_marks_read(app, client, province):
    from support import sign_in

    with app.app_context():
        from portal.auth.models import User

        user = db.session.get(User, province.user("bank1-a").id)
        notify_user(user, title="新投诉待受理", dedupe_key="n1", now=NOW, mail=False)
        db.session.commit()
    sign_in(client, "bank1-a")
    badge = client.get("/notifications/badge", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert 'data-testid="unread">1<' in badge
    assert "新投诉待受理" in client.get("/notifications").get_data(as_text=True)
    response = client.post("/notifications/read", headers={"HX-Request": "true"})
    assert response.headers["HX-Trigger"] == "notifications-changed"
    badge = client.get("/notifications/badge", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert "unread" not in badge
    # Another user never sees it.
    other = client.application.test_client()
    sign_in(other, "bank2-a")
    assert "新投诉待受理" not in other.get("/notifications").get_data(as_text=True)


def test_notify_many_writes_each_note_once_and_mails_active_users_with_an_address(app, province):
    from portal.auth.models import User

    with app.app_context():
        users = {k: db.session.get(User, province.user(k).id) for k in ("bank1-a", "bank2-a")}
        users["bank1-a"].email = "bank1-a@bank1.example.cn"
        users["bank2-a"].email = None
        leader = db.session.get(User, province.user("bank1-leader").id)
        leader.email, leader.is_active = "leader@bank1.example.cn", False
        notes = [
            Note(
                user_id=u.id, title="【超期】核实情况已超过期限", body="投诉编号 1", dedupe_key=key
            )
            for key in ("clock1:breach:2026-11-18", "clock2:breach:2026-11-18")
            for u in (*users.values(), leader)
        ]
        assert notify_many(notes + notes[:2], now=NOW) == 6  # repeats in one call: once
        assert notify_many(notes, now=NOW) == 0  # a second sweep adds nothing
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 6
        mails = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        # Only the active user with an address is mailed; the body carries the link line.
        assert [(m.recipient, m.dedupe_key, m.body) for m in mails] == [
            (
                "bank1-a@bank1.example.cn",
                f"clock{n}:breach:2026-11-18:user{users['bank1-a'].id}",
                "投诉编号 1",
            )
            for n in (1, 2)
        ]
