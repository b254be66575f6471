"""The people of the two-bank province at their screens (tests of hand-offs,
corrections and intake outcomes): each signs in once, takes steps through the portal's
own forms, and ``told()`` says who was notified of what since the last look."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from support import add_user, sign_in, with_duty_roster

from portal.auth.models import User
from portal.auth.roles import Role
from portal.complaints.models import Complaint
from portal.db import db
from portal.notify.models import Notification
from portal.orgs.models import Unit

BEIJING = ZoneInfo("Asia/Shanghai")


def at(day: str, hh: int, mm: int = 0) -> datetime:
    y, m, d = map(int, day.split("-"))
    return datetime(y, m, d, hh, mm, tzinfo=BEIJING).astimezone(UTC)


class Desk:
    """The people of the two-bank province at their screens, and what each was told."""

    def __init__(self, app, province):
        self.app, self.province = app, province
        with_duty_roster(app, province)  # bank1-a and bank1-b are the pair; e-mails set
        with app.app_context():
            assoc = db.session.get(Unit, province.unit("assoc").id)
            add_user("assoc-staff2", assoc, Role.ASSOC_HANDLER, email="staff2@lnba.example.cn")
            for name in ("bank1-outlet1", "assoc-leader"):
                user = db.session.scalar(select(User).where(User.username == name))
                user.email = f"{name}@example.cn"
            db.session.commit()
        self.clients = {}
        self.seen = 0

    def as_(self, username):
        if username not in self.clients:
            client = self.app.test_client()
            sign_in(client, username)
            self.clients[username] = client
        return self.clients[username]

    def step(self, username, case_id, action, **data):
        with self.app.app_context():
            version = db.session.get(Complaint, case_id).version
        fields = {f"{action}-{k}": v for k, v in data.items()}
        fields |= {f"{action}-version": str(version), f"{action}-seen_event": "0"}
        response = self.as_(username).post(f"/cases/{case_id}/do/{action}", data=fields)
        # 303: the step created a case elsewhere and sends the user there.
        assert response.status_code in (200, 303), response.get_data(as_text=True)[-2000:]
        return response

    def told(self) -> Counter:
        """Who was told what since the last call: (username, title) → times."""
        with self.app.app_context():
            rows = db.session.execute(
                select(Notification.id, User.username, Notification.title)
                .join(User, User.id == Notification.user_id)
                .where(Notification.id > self.seen)
                .order_by(Notification.id)
            ).all()
        if rows:
            self.seen = rows[-1][0]
        return Counter((username, title.split("：")[0]) for _, username, title in rows)

    def register(self, outlet="bank1-outlet1") -> int:
        received = self.app.config["FROZEN_NOW"].astimezone(BEIJING) - timedelta(minutes=30)
        response = self.as_("assoc-staff").post(
            "/cases/new",
            data={
                "received_at": received.strftime("%Y-%m-%dT%H:%M"),
                "channel": "phone",
                "complainant_name": "王丽",
                "mobile": "13812341234",
                "reply_channel": "phone",
                "outlet_id": self.province.unit(outlet).id,
                "category_id": _category(self.app),
                "facts": "柜员态度差。",
                "demand": "道歉。",
            },
        )
        assert response.status_code == 302
        self.told()
        return int(response.headers["Location"].rsplit("/", 1)[1])

    def to_outlet(self, case_id) -> None:
        """Forwarded, accepted by bank1-a, passed down to bank1-outlet1."""
        self.step("assoc-staff", case_id, "forward")
        self.step("bank1-a", case_id, "accept")
        self.step(
            "bank1-a", case_id, "forward_down", unit_id=self.province.unit("bank1-outlet1").id
        )
        self.told()


def _category(app) -> int:
    from portal.complaints.models import Category
    from portal.complaints.taxonomy import seed_categories

    with app.app_context():
        seed_categories()
        db.session.commit()
        return db.session.scalar(select(Category.id).where(Category.code == "ATT-01"))
