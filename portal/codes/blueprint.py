"""The JR/T 0169-2018 code list: the current version, the versions, import, edit, export.
(The crosswalk from categories is on the categories' side: ``complaints.crosswalk``.)"""

from flask import Blueprint

from portal.codes import views

bp = Blueprint("codes", __name__)

bp.add_url_rule("/categories/codes", "index", views.index)
bp.add_url_rule("/categories/codes/import", "import_list", views.import_list, methods=["POST"])
bp.add_url_rule("/categories/codes/save", "save", views.save, methods=["POST"])
bp.add_url_rule("/categories/codes/versions/<int:number>", "version", views.version)
bp.add_url_rule("/categories/codes/versions/<int:number>.csv", "download", views.download)
