"""The template translation callables (portal.web.i18n): the portal replaces Jinja's own
(which copy the template context on every call inside a loop) and must keep their
"new style" behaviour."""

import pytest
from flask_babel import force_locale

from portal import create_app


@pytest.fixture
def app():
    return create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})


def render(app, source: str, autoescape: bool = True, **context) -> str:
    environment = app.jinja_env.overlay(autoescape=autoescape)
    return environment.from_string(source).render(**context)


def test_variables_are_escaped_where_the_template_autoescapes(app):
    with app.test_request_context("/"):
        html = render(app, "{{ _('客户反馈：%(r)s', r=text) }}", text="<b>好</b>")
        text = render(app, "{{ _('客户反馈：%(r)s', r=text) }}", autoescape=False, text="<b>好</b>")
    assert html == "客户反馈：&lt;b&gt;好&lt;/b&gt;"
    assert text == "客户反馈：<b>好</b>"


def test_a_message_is_always_a_format_string(app):
    # "%%" is a literal "%", with or without variables, as in Jinja's new-style gettext.
    with app.test_request_context("/"):
        assert render(app, "{{ _('满意度 100%%') }}") == "满意度 100%"
        assert render(app, "{{ _('%(n)s%%', n=5) }}") == "5%"
        assert render(app, "{{ _('投诉人') }}") == "投诉人"


def test_translated_inside_a_loop_in_the_chosen_language(app):
    source = "{% for i in items %}{{ _('投诉人') }};{% endfor %}"
    with app.test_request_context("/"):
        with force_locale("en"):
            english = render(app, source, items=[1, 2])
        chinese = render(app, source, items=[1, 2])
    assert english == "Complainant;Complainant;"
    assert chinese == "投诉人;投诉人;"


def test_plural_and_context_forms(app):
    with app.test_request_context("/"):
        with force_locale("en"):
            plural = render(app, "{{ ngettext('%(num)d file', '%(num)d files', n) }}", n=3)
            button = render(app, "{{ pgettext('button', '停用') }}")
            status = render(app, "{{ _('停用') }}")
    assert plural == "3 files"
    assert button == "Deactivate"
    assert status == "Inactive"


def test_trans_blocks_use_the_same_callables(app):
    with app.test_request_context("/"):
        html = render(app, "{% trans name=who %}受理人：{{ name }}{% endtrans %}", who="<i>")
    assert html == "受理人：&lt;i&gt;"
