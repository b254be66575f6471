"""The portal's form base: Flask-WTF's, with WTForms' own messages ("Not a valid
choice" and the like) in the user's language loaded once per language, not on every
request (Flask-WTF parses the catalogue anew for each request that builds a form)."""

from functools import cache

from babel import support
from flask import current_app
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path


@cache
def _wtforms_translations(locale: str) -> support.NullTranslations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class PortalForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                # Flask-WTF builds each form's Meta with this class first and its own after.
                return super().get_translations(form)  # type: ignore[misc]  # bases set at run time
            return _wtforms_translations(str(get_locale()))
