"""The register of document numbers (通报 › 发文登记): every number the association gave,
per year, with the document it went to. The association's only: members see a 403."""

from flask import abort, request
from flask_login import login_required

from portal.auth.access import require
from portal.auth.roles import Permission
from portal.documents import queries
from portal.web import clock
from portal.web.htmx import render_page_or_piece


@login_required
def register():
    require(Permission.DOCUMENT_REGISTER_VIEW)
    years, this_year = queries.years(), clock.local_today().year
    year = request.args.get("year", type=int) or (years[0] if years else this_year)
    if year not in years and year != this_year:  # a year with no register (or no year)
        abort(404)
    return render_page_or_piece(
        "documents/register.html",
        "documents/_register.html",
        year=year,
        years=years,
        numbers=queries.register(year),
    )
