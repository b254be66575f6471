"""The portal's form base: Flask-WTF's, with WTForms' own messages ("Not a valid
choice" and the like) in the user's language loaded once per language, not on every
request (Flask-WTF parses the catalogue anew for each request that builds a form).

Every form also refuses what no field may hold (``portal.web.bounds``) before its own
validators run, so none of them ever looks up a 2^63 id or a year-1 date: a NUL byte
or a control character in text, a number beyond ±(2^31-1), a date outside
2000-01-01 … today + 1 year. Single-line text loses its control characters at input."""

from functools import cache

from babel import support
from flask import current_app
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.fields import PasswordField, StringField, TextAreaField
from wtforms.i18n import messages_path

from portal.web import bounds, clock


@cache
def _wtforms_translations(locale: str) -> support.NullTranslations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def _single_line(field_class) -> bool:
    return issubclass(field_class, StringField) and not issubclass(
        field_class, TextAreaField | PasswordField
    )


def _problem(field, value, today) -> str | None:
    from datetime import date

    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return bounds.int_problem(value)
    if isinstance(value, date):
        return bounds.date_problem(value, today)
    if isinstance(value, str):
        return bounds.text_problem(value, multiline=not _single_line(type(field)))
    if isinstance(value, list | tuple):
        return next((p for v in value if (p := _problem(field, v, today))), None)
    return None


def _harmless(value):
    if isinstance(value, str):
        return bounds.without_controls(value)
    return [] if isinstance(value, list | tuple) else None


class PortalForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                # Flask-WTF builds each form's Meta with this class first and its own after.
                return super().get_translations(form)  # type: ignore[misc]  # bases set at run time
            return _wtforms_translations(str(get_locale()))

        def bind_field(self, form, unbound_field, options):
            if _single_line(unbound_field.field_class):
                own = unbound_field.kwargs.get("filters", ())
                options = {**options, "filters": (bounds.strip_controls, *own)}
            return super().bind_field(form, unbound_field, options)  # type: ignore[misc]

    def validate(self, extra_validators=None):
        refused = self.refused_input()
        if not refused:
            return super().validate(extra_validators)
        for name, field in self._fields.items():
            field.errors = refused.get(name) or list(field.process_errors)
            if name in refused:  # a view that reads on regardless finds nothing hostile
                field.data = _harmless(field.data)
        self.form_errors = []
        self._errors = None
        return False

    def refused_input(self) -> dict[str, list[str]]:
        """{field name: [message]} for the values no field may hold."""
        today = clock.local_today()
        refused = {}
        for name, field in self._fields.items():
            if problem := _problem(field, field.data, today):
                refused[name] = [problem]
        return refused
