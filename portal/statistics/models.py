"""Stored dashboard figures: a period's statistics tables as of a moment."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.complaints.models import Complaint
from portal.db import Model, UTCDateTime


class StatisticsSnapshot(Model):
    """The figures of one dashboard view (scope, period, member and category filters)
    as computed at ``computed_at``: ``portal.statistics.snapshots`` serves them while
    they are younger than the configured age and recomputes them otherwise.

    A cache, never a record: deleting every row is always safe.
    """

    __tablename__ = "statistics_snapshot"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "<scope unit id>:<period>:<member id or ->:<category id or ->"
    key: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    scope_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    period: Mapped[str] = mapped_column(String(7), nullable=False)
    member_id: Mapped[int | None] = mapped_column(Integer)
    category_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON, nullable=False, deferred=True)
    # {language: HTML of the period section} rendered from ``data``; emptied when
    # ``data`` is recomputed.
    rendered: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # Last shown: the refresh command keeps recently read views fresh.
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class PublishedFigures(Model):
    """The figures of a period as a bulletin published them (Art. 8(4)): frozen with the
    PDF, so that a member's annex can repeat them and its dashboard can say how today's
    live count differs. One row per published bulletin version; a record, never a cache.
    """

    __tablename__ = "published_figures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(7), nullable=False, index=True)
    # The bulletin version published (bulletins sit above statistics: no foreign key).
    bulletin_id: Mapped[int] = mapped_column(Integer, nullable=False, unique=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    head: Mapped[dict] = mapped_column(JSON, nullable=False)
    members: Mapped[list] = mapped_column(JSON, nullable=False)


class RateLineSetting(Model):
    """The line below which an on-time rate is marked and a rectification may be
    ordered (the practice source's 75 %), in whole percent; one row (id 1), absent
    means the default (``rules.DEFAULT_LINE_PERCENT``). Set by the association
    administrator, each change in the audit log (``rate_line.update_line``)."""

    __tablename__ = "rate_line_setting"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    percent: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# The regulator's breakdowns of a period (``statistics.regulator``: by member, by JR/T
# 0169-2018 code, by institution group) read only these columns of the period's
# complaints: on PostgreSQL an index-only range scan (migration c7d8e9f0a1b2). SQLite
# has no INCLUDE, so the index is PostgreSQL's only.
Index(
    "ix_complaint_received_codes",
    Complaint.received_on,
    postgresql_include=[
        "member_id",
        "state",
        "code_a",
        "code_b",
        "code_c",
        "category_id",
        "handling_path",
    ],
    info={"dialect": "postgresql"},  # see portal.db.include_object
).ddl_if(dialect="postgresql")
