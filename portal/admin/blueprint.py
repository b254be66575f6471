"""The administrators' screens: units, users, the change log (操作记录) and the e-mail
outbox. Each URL with its endpoint and the view that answers it."""

from flask import Blueprint

from portal.admin.views import audit, notices, outbox, units, users
from portal.orgs.contacts import current_contacts

bp = Blueprint("admin", __name__)

# views/units.py
bp.add_url_rule("/units", "units", units.index)
bp.add_url_rule("/units/<int:unit_id>", "unit", units.detail)
bp.add_url_rule("/units/new", "new_unit", units.create, methods=["GET", "POST"])
bp.add_url_rule("/units/<int:unit_id>/edit", "edit_unit", units.edit, methods=["GET", "POST"])
bp.add_url_rule("/units/<int:unit_id>/active", "unit_active", units.toggle_active, methods=["POST"])

# views/users.py
bp.add_url_rule("/users", "users", users.index)
bp.add_url_rule("/users/new", "new_user", users.create, methods=["GET", "POST"])
bp.add_url_rule("/users/<int:user_id>/edit", "edit_user", users.edit, methods=["GET", "POST"])
bp.add_url_rule("/users/<int:user_id>/active", "user_active", users.toggle_active, methods=["POST"])
bp.add_url_rule(
    "/users/<int:user_id>/two-factor/reset",
    "reset_two_factor",
    users.reset_two_factor,
    methods=["POST"],
)

# views/audit.py
bp.add_url_rule("/audit", "audit", audit.index)
bp.add_url_rule("/audit.xlsx", "audit_export", audit.export)

# views/outbox.py
bp.add_url_rule("/outbox", "outbox", outbox.index)
bp.add_url_rule("/outbox/requeue", "requeue_outbox", outbox.requeue, methods=["POST"])

# views/notices.py: Art. 4 notices, Art. 5 contacts
bp.add_url_rule("/notices", "notices", notices.index)
bp.add_url_rule("/units/<int:unit_id>/notice.pdf", "notice_pdf", notices.pdf)
bp.add_url_rule("/settings/contacts", "contacts", notices.contacts)
bp.add_url_rule("/settings/contacts", "save_contacts", notices.save_contacts_view, methods=["POST"])
bp.app_context_processor(lambda: {"public_contacts": current_contacts})
