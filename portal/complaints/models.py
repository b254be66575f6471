"""Complaint cases, their append-only history, attachments and the category taxonomy."""

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    column,
    event,
    func,
    literal_column,
    table,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal.complaints.rules import OPEN_STATES, STATE_LABELS, State
from portal.db import Model, UTCDateTime, path_string, utcnow
from portal.web.i18n import localized

# The open states as SQL, word for word in the partial indexes' WHERE and in the
# inbox's "open" filter (``queries.open_state_filter``): SQLite uses a partial index only
# when the query repeats its condition.
OPEN_STATE_VALUES = tuple(s.value for s in State if s in OPEN_STATES)
OPEN_STATES_SQL = "state IN ({})".format(", ".join(f"'{v}'" for v in OPEN_STATE_VALUES))
# Chinese keywords are mostly two characters (吞卡, 排队, a name such as 王芳), and a
# trigram index serves ILIKE '%…%' only from three characters on: a two-character term
# read every row (4 s over a million complaints). So on PostgreSQL the names and texts
# are indexed with every character doubled ("吞卡机" → "吞吞卡卡机机"): a term of n
# characters becomes a pattern of 2n, and a doubled term lies in a doubled text exactly
# where the term lies in the text (``queries.search_condition``).
DOUBLED_SEARCH_COLUMNS = ("complainant_name", "facts", "demand")

# SQLite's counterpart (migration 87bf43543f26): ``complaint_search``, an FTS5 table with
# the trigram tokenizer over the same columns and the tracking number, every character
# doubled, which SQLite triggers keep in step with each write of ``complaint``. A
# virtual table SQLAlchemy cannot declare: the search reads its row ids (the case ids)
# through this stand-in.
SEARCH_INDEX = table("complaint_search", column("rowid", Integer))

# A search reads its GIN index's whole pending list, where each update of a case adds its
# texts' trigrams until a vacuum or this limit (kB) moves them into the index. The 4 MB
# default made searches more than twice as slow (migration f4c2a8b61d07).
SEARCH_PENDING_LIST_KB = 128


def doubled(expression):
    """``expression`` with every character doubled, in SQL (PostgreSQL): written with
    literals, word for word as the indexes below, so that the planner matches them."""
    return func.regexp_replace(
        expression, literal_column("'(.)'"), literal_column(r"'\1\1'"), literal_column("'g'")
    )


class CategoryNames:
    """How a category is named, from its ``name``, ``name_en`` and ``parent``: shared by
    the mapped category and the plain one a list row carries (``inbox.ListedCase``)."""

    if TYPE_CHECKING:  # declared by each (not columns here: the mapped one maps them)
        name: str
        name_en: str | None
        parent: "CategoryNames | None"

    @property
    def full_name(self) -> str:
        """In Chinese, as records (history, notices, bulletins) keep it."""
        return f"{self.parent.name} › {self.name}" if self.parent else self.name

    @property
    def label(self) -> str:
        """The name in the reader's language."""
        return localized(self.name, self.name_en)

    @property
    def full_name_en(self) -> str | None:
        """``full_name`` in English, when every part of it has an English name."""
        parts = [self.parent, self] if self.parent else [self]
        if all(part.name_en for part in parts):
            return " › ".join(str(part.name_en) for part in parts)
        return None

    @property
    def full_label(self) -> str:
        """``full_name`` in the reader's language, for screens and exports."""
        return f"{self.parent.label} › {self.label}" if self.parent else self.label


class Category(CategoryNames, Model):
    """Two-level taxonomy (e.g. 银行卡与ATM › ATM吞卡), edited by the association."""

    __tablename__ = "complaint_category"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("complaint_category.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(60), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(80))  # shown in English where set
    sort: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    parent = relationship("Category", remote_side=[id])


class TrackingCounter(Model):
    """The last tracking number issued per year (one row per year, bumped atomically)."""

    __tablename__ = "tracking_counter"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


# What ``portal.statistics.queries`` reads of a complaint besides its date of receipt.
STATISTICS_COLUMNS = [
    "id",
    "member_id",
    "handling_path",
    "state",
    "finding",
    "satisfaction",
    "repeat_of_id",
    "outlet_id",
    "category_id",
    "channel",
    "is_major",
    "is_media",
]


class StateNames:
    """A case's state as the screens name it, from its ``state``: shared by the mapped
    case and the plain one a list row carries (``inbox.ListedCase``)."""

    if TYPE_CHECKING:
        state: str

    @property
    def state_enum(self) -> State:
        return State(self.state)

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state_enum]


class Complaint(StateNames, Model):
    __tablename__ = "complaint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_no: Mapped[str] = mapped_column(String(20), nullable=False, unique=True)
    state: Mapped[str] = mapped_column(String(20), nullable=False, default=State.REGISTERED)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    received_on: Mapped[date] = mapped_column(Date, nullable=False)  # Beijing date, for periods
    channel: Mapped[str] = mapped_column(String(20), nullable=False)
    received_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)

    # Complainant (Art. 8(2)). Mobile and ID number are encrypted; a keyed hash serves
    # exact-match search and the masked form serves lists.
    complainant_name: Mapped[str] = mapped_column(String(60), nullable=False)
    mobile_enc: Mapped[str | None] = mapped_column(Text)
    mobile_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    mobile_masked: Mapped[str | None] = mapped_column(String(20))
    id_number_enc: Mapped[str | None] = mapped_column(Text)
    id_number_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    id_number_masked: Mapped[str | None] = mapped_column(String(30))
    address: Mapped[str | None] = mapped_column(String(200))
    reply_channel: Mapped[str] = mapped_column(String(20), nullable=False, default="phone")

    # What and whom it is about.
    outlet_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    staff: Mapped[str | None] = mapped_column(String(60))
    category_id: Mapped[int] = mapped_column(ForeignKey("complaint_category.id"), nullable=False)
    facts: Mapped[str] = mapped_column(Text, nullable=False)
    demand: Mapped[str] = mapped_column(Text, nullable=False)
    # JR/T 0169-2018 codes (``portal.codes``): A business channel, B business category, C
    # cause. NULL on cases registered before coding: they count under their category's
    # crosswalk (``codes.queries.effective``).
    code_a: Mapped[str | None] = mapped_column(String(16))
    code_b: Mapped[str | None] = mapped_column(String(16))
    code_c: Mapped[str | None] = mapped_column(String(16))

    # Flags.
    is_major: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_media: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # 舆情
    repeat_of_id: Mapped[int | None] = mapped_column(ForeignKey("complaint.id"), index=True)
    repeat_reason: Mapped[str | None] = mapped_column(String(20))
    # Intake outcomes besides valid and invalid: where a matter out of scope was referred
    # (State.REFERRED), and the case a duplicate registration was merged into.
    referred_to: Mapped[str | None] = mapped_column(String(200))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("complaint.id"), index=True)
    # The one-time token of the intake form it was registered from (``views.intake``):
    # unique, so that one form submitted twice registers one complaint, whichever
    # submission reaches the database first.
    intake_token: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)

    # Where it is now. The path of the unit holding it is the tenancy key: the
    # association holds it until it is forwarded; then the member, then the unit the
    # member passes it down to (Art. 9, 10). One indexed range predicate scopes it.
    handling_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    handling_path: Mapped[str] = mapped_column(path_string(), nullable=False)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Outcome.
    invalid_reason: Mapped[str | None] = mapped_column(Text)
    finding: Mapped[str | None] = mapped_column(String(20))  # substantiated / partly / …
    # The final reply to the customer (Art. 11(3)).
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    promised_on: Mapped[date | None] = mapped_column(Date)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    satisfaction: Mapped[str | None] = mapped_column(String(20))

    # The earliest due time among the case's open clocks (Art. 11), None when none runs.
    # Invariant: equal to min(clock.due_at) over the case's open clocks after every batch
    # of clock operations (``portal.deadlines.batch``); written by
    # ``portal.complaints.next_due`` alone, as the clock domain reports each change.
    # Inboxes sort and page on it through the indexes below instead of grouping every
    # open clock per request.
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How many follow the case (``CaseFollower``): a step tells followers, and the case
    # page says whether the reader follows, without asking when nobody does (most cases).
    follower_count: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )

    outlet = relationship("Unit", foreign_keys=[outlet_id])
    member = relationship("Unit", foreign_keys=[member_id])
    handling_unit = relationship("Unit", foreign_keys=[handling_unit_id])
    category = relationship("Category")
    received_by = relationship("User", foreign_keys=[received_by_id])
    accepted_by = relationship("User", foreign_keys=[accepted_by_id])
    repeat_of = relationship("Complaint", remote_side=[id], foreign_keys=[repeat_of_id])
    duplicate_of = relationship("Complaint", remote_side=[id], foreign_keys=[duplicate_of_id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_complaint_handling_path_state", "handling_path", "state"),
        Index("ix_complaint_member_received", "member_id", "received_on"),
        Index("ix_complaint_outlet_category", "outlet_id", "category_id", "received_on"),
        # The statistics of a period (Art. 8(4)) read only these columns: on PostgreSQL the
        # index covers them, so a half year of a million cases is an index-only range scan.
        Index(
            "ix_complaint_received_on",
            "received_on",
            postgresql_include=STATISTICS_COLUMNS,
        ),
        # Free-text search (``queries.search_condition``): trigram indexes serve
        # ILIKE '%…%', the tracking number's from three characters, the names' and
        # texts' (doubled, see DOUBLED_SEARCH_COLUMNS) from two. PostgreSQL with pg_trgm
        # only; the migrations skip them where the extension is not available.
        Index(
            "ix_complaint_tracking_no_trgm",
            "tracking_no",
            postgresql_using="gin",
            postgresql_ops={"tracking_no": "gin_trgm_ops"},
            postgresql_with={"gin_pending_list_limit": SEARCH_PENDING_LIST_KB},
            info={"dialect": "postgresql"},  # see portal.db.include_object
        ).ddl_if(dialect="postgresql"),
        *(
            Index(
                f"ix_complaint_{column}_doubled_trgm",
                doubled(literal_column(column)).label(f"{column}_doubled"),
                postgresql_using="gin",
                postgresql_ops={f"{column}_doubled": "gin_trgm_ops"},
                postgresql_with={"gin_pending_list_limit": SEARCH_PENDING_LIST_KB},
                info={"dialect": "postgresql"},
            ).ddl_if(dialect="postgresql")
            for column in DOUBLED_SEARCH_COLUMNS
        ),
    )


UNACCEPTED_SQL = "action = 'unaccepted'"


class ComplaintEvent(Model):
    """One entry of a case's history. Append-only: corrections are new entries.

    ``internal_org_id`` is NULL for entries everyone who sees the case may read; an
    internal note names its writer's organisation (the association, or a member bank)
    and is shown only inside it.
    """

    __tablename__ = "complaint_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_role: Mapped[str | None] = mapped_column(String(30))
    actor_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    internal_org_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))

    actor = relationship("User")
    actor_unit = relationship("Unit", foreign_keys=[actor_unit_id])
    attachments = relationship("Attachment", back_populates="event", order_by="Attachment.id")

    __table_args__ = (
        Index("ix_complaint_event_case_at", "complaint_id", "at", "id"),
        # Art. 12(1)1: the sweep's accountability detection looks for the cases with an
        # "unaccepted" entry among millions of entries (a few thousand of them).
        Index(
            "ix_complaint_event_unaccepted",
            "complaint_id",
            postgresql_where=text(UNACCEPTED_SQL),
            sqlite_where=text(UNACCEPTED_SQL),
        ),
    )


class Attachment(Model):
    """A scan, photo or recording. The bytes live in the database so that every app
    server reaches them and they are never under the web root; served only to users
    who can see the case."""

    __tablename__ = "complaint_attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaint.id"), nullable=False, index=True
    )
    event_id: Mapped[int | None] = mapped_column(ForeignKey("complaint_event.id"))
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(String(60), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, deferred=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    event = relationship("ComplaintEvent", back_populates="attachments")
    uploaded_by = relationship("User")


class PendingUpload(Model):
    """A file chosen on the intake worksheet, kept as soon as it is chosen: a submission
    refused for another field does not lose it (the worksheet keeps its id). It becomes
    an attachment when the complaint is registered; left over, the sweep drops it after
    a day."""

    __tablename__ = "pending_upload"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uploaded_by_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id"), nullable=False, index=True
    )
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(String(60), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, deferred=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)


class SearchRef(Model):
    """A search term too personal for a URL (a full mobile or ID number, or a long run of
    digits), kept on the server under an opaque random reference: the inbox's URL
    carries ``ref=`` instead of the number (``portal.complaints.search_refs``). Only its
    owner may use it; the sweep drops it after a day."""

    __tablename__ = "search_ref"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), nullable=False, index=True, unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False, index=True)
    term_enc: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)


class Rectification(Model):
    """Art. 9(2): for a substantiated complaint, the member's rectification opinion and its
    opinion on the responsible staff, each followed up to completion."""

    __tablename__ = "rectification"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaint.id"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    opinion: Mapped[str] = mapped_column(Text, nullable=False)
    owner: Mapped[str | None] = mapped_column(String(60))
    due_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completion_note: Mapped[str | None] = mapped_column(Text)

    complaint = relationship("Complaint")


class CaseFollower(Model):
    """A user who follows (关注) a case and hears of every step, whatever their part in
    it: a leader keeping an eye on a case, a handler who passed it on."""

    __tablename__ = "case_follower"

    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class PiiReveal(Model):
    """Each time someone shows a complainant's full mobile or ID number."""

    __tablename__ = "pii_reveal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaint.id"), nullable=False, index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    field: Mapped[str] = mapped_column(String(20), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


# The inbox order (nearest due first, none last; then newest) as index order, for keyset
# pages (``portal.complaints.inbox``): the whole province, one member bank, and the open
# cases of each.
# On PostgreSQL they carry the scope and state columns too, so that filtering and counting
# a list reads the index alone.
_INBOX_ORDER = (Complaint.next_due_at, Complaint.received_at.desc(), Complaint.id.desc())
_CARRY: dict[str, Any] = {"postgresql_include": ["handling_path", "state"]}
_OPEN: dict[str, Any] = {
    "postgresql_where": text(OPEN_STATES_SQL),
    "sqlite_where": text(OPEN_STATES_SQL),
}
Index("ix_complaint_due_order", *_INBOX_ORDER, **_CARRY)
Index("ix_complaint_member_due_order", Complaint.member_id, *_INBOX_ORDER, **_CARRY)
Index("ix_complaint_open_due_order", *_INBOX_ORDER, **_CARRY, **_OPEN)
# A member's open cases also carry what the home's queues read (to pass down, to report):
# the member's counts read this index alone (migration e1f5a3c7b902).
_CARRY_QUEUES: dict[str, Any] = {
    "postgresql_include": ["handling_path", "state", "handling_unit_id", "replied_at", "finding"]
}
Index(
    "ix_complaint_member_open_due_order",
    Complaint.member_id,
    *_INBOX_ORDER,
    **_CARRY_QUEUES,
    **_OPEN,
)
# A list filtered to one state (the closed cases of a bank, the reports awaiting the
# association) starts at its first row instead of stepping over the other states.
_CARRY_PATH: dict[str, Any] = {"postgresql_include": ["handling_path"]}
Index("ix_complaint_state_due_order", Complaint.state, *_INBOX_ORDER, **_CARRY_PATH)
Index(
    "ix_complaint_member_state_due_order",
    Complaint.member_id,
    Complaint.state,
    *_INBOX_ORDER,
    **_CARRY_PATH,
)

# A member bank's system syncs its cases in the order of their last change (API v1,
# ``updated_since``): read in that order instead of sorting the bank's tree.
Index(
    "ix_complaint_member_updated",
    Complaint.member_id,
    Complaint.updated_at,
    Complaint.id,
    postgresql_include=["handling_path", "state"],
)

# The open major complaints (重大投诉, a few per cent): the homes' lists of them, the
# province's and a member's, read a small index instead of stepping over every open case
# (migration 6c0e2f4b8a17).
MAJOR_OPEN_SQL = {
    "postgresql": f"is_major IS true AND {OPEN_STATES_SQL}",
    "sqlite": f"is_major IS 1 AND {OPEN_STATES_SQL}",
}
_MAJOR_OPEN: dict[str, Any] = {
    "postgresql_where": text(MAJOR_OPEN_SQL["postgresql"]),
    "sqlite_where": text(MAJOR_OPEN_SQL["sqlite"]),
}
Index("ix_complaint_major_open", *_INBOX_ORDER, **_CARRY, **_MAJOR_OPEN)
Index("ix_complaint_member_major_open", Complaint.member_id, *_INBOX_ORDER, **_CARRY, **_MAJOR_OPEN)


@event.listens_for(Session, "before_flush")
def _history_is_append_only(session, flush_context, instances):
    for obj in list(session.deleted) + list(session.dirty):
        if isinstance(obj, ComplaintEvent | PiiReveal) and (
            obj in session.deleted or session.is_modified(obj)
        ):
            raise RuntimeError("complaint history is append-only")
