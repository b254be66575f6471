"""WTForms' own messages in the user's language (portal.web.forms): the catalogue is
loaded once per language, and a request in English still gets English ones."""

import pytest
from flask_babel import force_locale
from wtforms import SelectField
from wtforms.fields import SelectChoice

from portal import create_app
from portal.web.forms import PortalForm


class ChoiceForm(PortalForm):
    class Meta:
        csrf = False

    colour = SelectField(choices=[SelectChoice("red", "红")])


@pytest.fixture
def app():
    return create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})


def refusal(app, locale: str = "zh_Hans_CN") -> tuple[str, object]:
    """The form's message for a choice it does not offer, and its WTForms catalogue."""
    with app.test_request_context("/", method="POST", data={"colour": "blue"}):
        with force_locale(locale):
            form = ChoiceForm()
            assert not form.validate()
            return form.colour.errors[0], form.meta.get_translations(form)


def test_wtforms_messages_are_chinese_by_default(app):
    with app.test_request_context("/", method="POST", data={"colour": "blue"}):
        form = ChoiceForm()
        assert not form.validate()
        message = form.colour.errors[0]
    assert message == "不是有效的选择。"


def test_english_requests_get_english_messages(app):
    message, _ = refusal(app, "en")
    assert message == "Not a valid choice."


def test_the_catalogue_is_loaded_once_per_language(app):
    first, second = refusal(app)[1], refusal(app)[1]
    assert first is second
    assert refusal(app, "en")[1] is not first
