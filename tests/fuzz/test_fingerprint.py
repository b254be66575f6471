"""The fuzz suite's write detector (fuzz_support.fingerprint) sees any write: a value
changed in one row, NULL turned into an empty text, a row added or removed; and the same
rows read the same again, in whatever order the database now keeps them."""

from fuzz_support import fingerprint
from sqlalchemy import delete, select, update

from portal.auth.models import User
from portal.db import db


def test_fingerprint_shows_every_kind_of_write_and_only_writes(app, province):
    user_id = province.user("bank1-a").id
    with app.app_context():
        row = db.session.execute(select(User.__table__).where(User.id == user_id)).one()
    before = fingerprint(app)
    assert "user_account" in before and before == fingerprint(app)

    def write(statement):
        with app.app_context():
            db.session.execute(statement)
            db.session.commit()

    def changed():
        now = fingerprint(app)
        assert set(now) == set(before)
        return sorted(name for name in before if now[name] != before[name])

    same_user = update(User).where(User.id == user_id)
    write(same_user.values(full_name=row.full_name + "x"))  # one character of one field
    assert changed() == ["user_account"]
    write(same_user.values(full_name=row.full_name))  # as it was (PostgreSQL: moved)
    assert changed() == []
    write(same_user.values(work_phone="" if row.work_phone is None else None))
    assert changed() == ["user_account"]
    write(same_user.values(work_phone=row.work_phone))
    assert changed() == []

    copy = row._asdict() | {"id": user_id + 1000, "username": "copy", "session_token": "c"}
    write(User.__table__.insert().values(**copy))  # a row added
    assert changed() == ["user_account"]
    write(delete(User.__table__).where(User.id == copy["id"]))  # and removed
    assert changed() == []

    # Only the tables asked for, but those ignored.
    some = fingerprint(app, ("user_", "unit"), ignore=("unit",))
    assert "user_account" in some and "unit" not in some
    assert all(name.startswith(("user_", "unit")) for name in some)
