"""Reading the register of document numbers (发文登记)."""

from sqlalchemy import distinct, select

from portal.db import db
from portal.documents.models import DocumentNumber


def years() -> list[int]:
    """The years with numbers given, newest first."""
    return list(
        db.session.scalars(
            select(distinct(DocumentNumber.year)).order_by(DocumentNumber.year.desc())
        )
    )


def register(year: int) -> list[DocumentNumber]:
    """The numbers of ``year``, newest first (every prefix the association used)."""
    return list(
        db.session.scalars(
            select(DocumentNumber)
            .where(DocumentNumber.year == year)
            .order_by(DocumentNumber.prefix, DocumentNumber.seq.desc())
        )
    )
