"""Password hashes (issue 21): argon2id at OWASP's recommended minimum or above, and a
hash made with other parameters upgraded at the user's next sign-in."""

from argon2 import PasswordHasher
from sqlalchemy import select
from support import FAST_ARGON2, PASSWORD, sign_in

from portal.auth.models import User
from portal.auth.passwords import OWASP_MINIMUM, verify_password
from portal.db import db


def test_the_default_parameters_are_owasps_minimum_or_above():
    # OWASP Password Storage Cheat Sheet, argon2id: 19 MiB, 2 passes, 1 lane.
    assert OWASP_MINIMUM["memory_cost"] >= 19456
    assert OWASP_MINIMUM["time_cost"] >= 2
    assert OWASP_MINIMUM["parallelism"] >= 1


def test_the_app_hashes_with_the_default_when_the_configuration_names_none(make_app, province):
    app = make_app(ARGON2_PARAMS=None)
    with app.app_context():
        from portal.auth.passwords import hash_password

        made = hash_password("a long enough passphrase")
    assert "m=19456,t=2,p=1" in made


def test_an_older_hash_is_upgraded_at_the_next_sign_in(app, province):
    old = PasswordHasher(time_cost=3, memory_cost=2048, parallelism=2).hash(PASSWORD)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "bank1-a"))
        user.password_hash = old
        db.session.commit()
    client = app.test_client()
    sign_in(client, "bank1-a")
    with app.app_context():
        upgraded = db.session.scalar(select(User.password_hash).where(User.username == "bank1-a"))
        assert upgraded != old
        expected = "m={memory_cost},t={time_cost},p={parallelism}".format(**FAST_ARGON2)
        assert expected in upgraded
        assert verify_password(upgraded, PASSWORD)
    # and the upgraded hash signs in as before
    again = app.test_client()
    sign_in(again, "bank1-a")


def test_a_current_hash_is_left_alone(app, province):
    with app.app_context():
        before = db.session.scalar(select(User.password_hash).where(User.username == "bank1-a"))
    sign_in(app.test_client(), "bank1-a")
    with app.app_context():
        after = db.session.scalar(select(User.password_hash).where(User.username == "bank1-a"))
    assert after == before
