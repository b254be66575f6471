"""The shared rate windows (``web.rate_limit``): counted in the database, so two app
servers count together; the limit holds per key and per window."""

from datetime import UTC, datetime, timedelta

from portal.db import db
from portal.web import rate_limit

NOW = datetime(2026, 12, 7, 10, 0, 30, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def test_within_the_limit_then_told_how_long_to_wait(app):
    with app.app_context():
        answers = [rate_limit.hit("track:addr:1.2.3.4", limit=3, window=MINUTE, now=NOW)]
        answers += [rate_limit.hit("track:addr:1.2.3.4", limit=3, window=MINUTE, now=NOW)]
        answers += [rate_limit.hit("track:addr:1.2.3.4", limit=3, window=MINUTE, now=NOW)]
        assert answers == [0, 0, 0]
        # The fourth in the same minute waits until the minute ends (30 s left).
        assert rate_limit.hit("track:addr:1.2.3.4", limit=3, window=MINUTE, now=NOW) == 30
        # Another key is counted apart; the next window starts again.
        assert rate_limit.hit("track:addr:5.6.7.8", limit=3, window=MINUTE, now=NOW) == 0
        later = NOW + MINUTE
        assert rate_limit.hit("track:addr:1.2.3.4", limit=3, window=MINUTE, now=later) == 0


def test_two_servers_count_together(make_app):
    first, second = make_app(), make_app()
    for app in (first, second, first):
        with app.app_context():
            rate_limit.hit("api:token:7", limit=2, window=MINUTE, now=NOW)
            db.session.commit()
    with second.app_context():
        assert rate_limit.hit("api:token:7", limit=2, window=MINUTE, now=NOW) > 0


def test_the_sweep_drops_windows_of_yesterday(app):
    with app.app_context():
        rate_limit.hit("old", limit=1, window=MINUTE, now=NOW - timedelta(days=2))
        rate_limit.hit("new", limit=1, window=MINUTE, now=NOW)
        assert rate_limit.purge(NOW) == 1
        assert [w.key for w in db.session.scalars(db.select(rate_limit.RateWindow))] == ["new"]
