"""Contacts and the A/B duty roster (Art. 6, 7). Each URL with its endpoint and the view
that answers it."""

from flask import Blueprint

from portal.duty import wording
from portal.duty.views import absences, association, members

bp = Blueprint("duty", __name__)

# views/members.py
bp.add_app_template_filter(members.duty_period, "duty_period")
bp.add_app_template_filter(members.duty_gap_lines, "duty_gap_lines")
bp.app_context_processor(members.labels)
bp.add_app_template_filter(wording.answer_text, "duty_reason")
bp.add_url_rule("/duty", "index", members.index)
bp.add_url_rule("/duty/members/<int:member_id>", "profile", members.profile)
bp.add_url_rule(
    "/duty/members/<int:member_id>/profile/edit",
    "edit_profile",
    members.edit_profile,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/duty/handlers/<int:user_id>/contacts",
    "edit_contacts",
    members.edit_contacts,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/duty/units/<int:unit_id>/pair", "edit_pair", members.edit_pair, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/duty/units/<int:unit_id>/pair/remove", "remove_pair", members.remove_pair, methods=["POST"]
)
bp.add_url_rule("/duty/members/<int:member_id>/calendar", "calendar", members.calendar)
bp.add_url_rule(
    "/duty/members/<int:member_id>/customers",
    "report_customers",
    members.report_customers,
    methods=["GET", "POST"],
)

# views/absences.py
bp.add_url_rule("/duty/members/<int:member_id>/absences", "absences", absences.absences)
bp.add_url_rule(
    "/duty/members/<int:member_id>/absences", "add_absence", absences.add_absence, methods=["POST"]
)
bp.add_url_rule(
    "/duty/absences/<int:absence_id>/cancel",
    "cancel_absence",
    absences.cancel_absence,
    methods=["POST"],
)

# views/association.py
bp.add_url_rule("/duty/directory", "directory", association.directory)
bp.add_url_rule("/duty/directory.xlsx", "export_directory", association.export_directory)
bp.add_url_rule("/duty/changes", "changes", association.changes)
bp.add_url_rule("/duty/gaps", "gaps", association.gaps)
