"""The demo and the national generator code every case (JR/T 0169-2018), so statistics
by code are never empty: A from a spread of channels (walk-ins at the counter), B and C
from the category's crosswalk with some variety."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

from portal import create_app
from portal.codes.models import CategoryCode, CodeVersion
from portal.complaints.models import Complaint
from portal.db import db
from portal.demo.complaints_demo import seed_complaints
from portal.demo.seed import seed_province

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def _generate(app, complaints, members, outlets):
    """``flask demo generate``, as the tables' owner where there is one (as in
    test_demo_generate: the generator rebuilds indexes)."""
    args = ["demo", "generate", "--complaints", str(complaints), "--members", str(members)]
    args += ["--outlets", str(outlets), "--seed", "42", "--chunk", "500"]
    owner = app.config.get("DATABASE_OWNER_URL")
    runner_app = create_app(dict(app.config) | {"SQLALCHEMY_DATABASE_URI": owner}) if owner else app
    try:
        result = runner_app.test_cli_runner().invoke(args=args)
    finally:
        if owner:
            with runner_app.app_context():
                db.engine.dispose()
    assert result.exit_code == 0, result.output


@pytest.fixture
def frozen(make_app):
    return make_app(FROZEN_NOW=datetime(2026, 11, 23, 2, 0, tzinfo=UTC))


def test_the_demo_codes_every_case(make_app):
    app = make_app()
    with app.app_context():
        seed_province(NOW)
        seed_complaints(NOW, count=40)
        db.session.commit()
        assert db.session.scalar(select(func.count(CodeVersion.id))) == 1
        assert db.session.scalar(select(func.count()).select_from(CategoryCode)) == 36
        rows = db.session.execute(
            select(Complaint.channel, Complaint.code_a, Complaint.code_b, Complaint.code_c)
        ).all()
        assert len(rows) >= 40
        assert all(b and c for _ch, _a, b, c in rows)
        assert all(a == "A0101" for ch, a, _b, _c in rows if ch == "walk_in")
        assert len({b for _ch, _a, b, _c in rows}) >= 4
        assert len({c for *_x, c in rows}) >= 4
        assert sum(1 for _ch, a, _b, _c in rows if a) > len(rows) * 0.8


def test_the_national_generator_codes_every_case(frozen):
    _generate(frozen, 600, 3, 12)
    with frozen.app_context():
        total, coded_b, coded_c, coded_a = db.session.execute(
            text("SELECT count(*), count(code_b), count(code_c), count(code_a) FROM complaint")
        ).one()
        assert total >= 600 and coded_b == total and coded_c == total
        assert coded_a > total * 0.8
        walk_ins = db.session.scalar(
            text("SELECT count(*) FROM complaint WHERE channel = 'walk_in' AND code_a <> 'A0101'")
        )
        assert walk_ins == 0
        assert db.session.scalar(text("SELECT count(DISTINCT code_b) FROM complaint")) >= 4
