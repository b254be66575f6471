"""The archive (Art. 8(6), 9(5), 10(3)): dossiers, downloads, the half-year export and
the retention setting. Each URL with its endpoint and the view that answers it."""

from flask import Blueprint

from portal.archives import views

bp = Blueprint("archives", __name__)

bp.add_url_rule("/archives", "index", views.index)
bp.add_url_rule("/archives/cases/<int:case_id>", "for_case", views.for_case)
bp.add_url_rule("/archives/cases/<int:case_id>/dossier.pdf", "dossier_pdf", views.dossier_pdf)
bp.add_url_rule("/archives/cases/<int:case_id>/dossier.zip", "dossier_zip", views.dossier_zip)
bp.add_url_rule("/archives/export/<period>.zip", "export_period", views.export_period)
bp.add_url_rule("/archives/settings", "settings", views.settings)
bp.add_url_rule("/archives/settings", "update_settings", views.update_settings, methods=["POST"])
