"""The tenancy boundary: the one place that decides which units a user may see.

The association sees the whole tree; a member bank's people see their bank's subtree;
a branch officer sees its own unit and whatever lies beneath it (Art. 9, 10). Every
query of tenant data starts from here, and every load of one object goes through a
``load_*_or_404`` so that an id outside the user's scope answers exactly like an id
that does not exist.

Under that sits the database's own wall (PostgreSQL row-level security, migration
``b8d2e6f0a419``): the tables holding customers' cases answer only rows of the
request's bank, whatever query asks. Each transaction carries the bank's path bounds
(``app.scope_low``/``app.scope_high``) or, for the association and for the jobs that
work across banks, bounds around every path and a role that passes the policies; a
request that has not said whose it is sees nothing. The wall is drawn around the bank, not the branch: a branch's own step hands
a case up to its parent in the same transaction (Art. 10(1)), and the rows it writes
next must stay in reach; keeping branches apart stays the application's work above.
"""

from contextlib import contextmanager

from flask import abort, current_app, g, has_request_context
from sqlalchemy import Select, and_, bindparam, event, false, select, text, true
from sqlalchemy.engine import Engine

from portal.auth.models import User
from portal.auth.roles import ASSOCIATION_ROLES, MEMBER_ROLES, Role
from portal.db import db, likely
from portal.orgs.models import Unit
from portal.orgs.rules import UnitKind, subtree_bounds


def scope_root(user: User) -> Unit:
    """The unit whose subtree ``user`` may see."""
    role = Role(user.role)
    if role in ASSOCIATION_ROLES:
        return user.unit
    if role in MEMBER_ROLES:
        return user.unit.member or user.unit
    return user.unit


def in_subtree(path_column, root_path: str):
    low, high = subtree_bounds(root_path)
    return and_(path_column >= low, path_column < high)


def scope_filter(user: User, path_column):
    """A SQL condition keeping rows whose unit path lies in ``user``'s scope."""
    root = scope_root(user)
    if root.kind == UnitKind.ASSOCIATION:
        # The whole tree: every row. Said so to SQLite, which otherwise takes the bounds
        # for a small part of the table and reads the association's lists through the
        # path index, sorting them whole (``portal.db.likely``; the same rows).
        low, high = subtree_bounds(root.path)
        return and_(likely(path_column >= low), likely(path_column < high))
    return in_subtree(path_column, root.path)


def member_filter(user: User, member_column):
    """A SQL condition keeping a member bank's own records (accountability cases, plans,
    summaries: rows carrying ``member_id``): the association sees every member's, a member
    bank's people their own bank's, branch officers none (these are between the
    association and the member)."""
    role = Role(user.role)
    if role in ASSOCIATION_ROLES:
        return true()
    if role in MEMBER_ROLES:
        return member_column == scope_root(user).id
    return false()


def scoped(path_column):
    """``scope_filter`` for a statement built once and run for any user: the scope comes
    in as the bound values ``scope_params(user)`` (a hot read then skips rebuilding its
    statement and SQLAlchemy's cache key on every request)."""
    return and_(path_column >= bindparam("scope_low"), path_column < bindparam("scope_high"))


def scope_params(user: User) -> dict:
    """The values of ``scoped``'s bounds for ``user``."""
    low, high = subtree_bounds(scope_root(user).path)
    return {"scope_low": low, "scope_high": high}


def units_query(user: User) -> Select:
    return select(Unit).where(scope_filter(user, Unit.path))


def users_query(user: User) -> Select:
    return select(User).join(User.unit).where(scope_filter(user, Unit.path))


def can_see_unit(user: User, unit: Unit) -> bool:
    return unit.path.startswith(scope_root(user).path)


def load_unit_or_404(user: User, unit_id: int) -> Unit:
    unit = db.session.scalar(units_query(user).where(Unit.id == unit_id))
    if unit is None:
        abort(404)
    return unit


def load_user_or_404(user: User, user_id: int) -> User:
    found = db.session.scalar(users_query(user).where(User.id == user_id))
    if found is None:
        abort(404)
    return found


# -- The database's wall --------------------------------------------------------------

# Paths are '/' and digits: ['', '~') holds them all, ['', '') none.
EVERYTHING = {"all": "on", "low": "", "high": "~"}
NOTHING = {"all": "off", "low": "", "high": ""}

# Besides the bounds, a wall open to every bank takes the role that passes row-level
# security (``DATABASE_ALL_BANKS_ROLE``, granted to the application's role) where the
# deployment has one: the statements of the association and of the jobs are then
# planned with no policy at all, so a text search keeps its trigram indexes, which a
# policy's presence forbids (ILIKE is not leakproof). Without it, bounds around all.
_SET_WALL = text(
    "SELECT set_config('app.scope_low', :low, true),"
    " set_config('app.scope_high', :high, true),"
    " set_config('role', :role, true)"
)


def wall_for(user: User) -> dict:
    """The settings that let ``user``'s transactions see their bank's rows (all rows for
    the association's people)."""
    if Role(user.role) in ASSOCIATION_ROLES:
        return EVERYTHING
    bank = user.unit.member or user.unit
    low, high = subtree_bounds(bank.path)
    return {"all": "off", "low": low, "high": high}


def _current_wall() -> dict:
    if has_request_context():
        # A request sees what its user may see, nothing before it is known.
        return g.get("database_wall", NOTHING)
    # The sweep, the statistics refresh, the job worker, the shell: work across banks
    # by nature.
    return EVERYTHING


def _draw(execute, wall: dict, all_banks_role: str | None) -> None:
    role = all_banks_role if wall["all"] == "on" and all_banks_role else "none"
    execute(_SET_WALL, wall | {"role": role})


def _draw_in_session(wall: dict) -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        _draw(db.session.execute, wall, current_app.config.get("DATABASE_ALL_BANKS_ROLE"))


def enter_database_wall(user: User | None) -> None:
    """Draw the wall for the rest of this request: the transaction under way now and
    every later one (``install_database_wall``)."""
    g.database_wall = wall_for(user) if user is not None else NOTHING
    if db.session().in_transaction():
        _draw_in_session(g.database_wall)
    # else the next transaction's own beginning draws it (``install_database_wall``):
    # drawn here too, it would be drawn twice.


def text_search_bounds() -> tuple[str, str] | None:
    """The path bounds a text search must keep to by itself, or None where it reads the
    table as before: a request walled to one bank cannot use the trigram indexes through
    the policy (``complaints.queries.search_condition`` then asks the database's
    ``complaint_text_matches``, migration b8d2e6f0a419)."""
    if not has_request_context() or db.session.get_bind().dialect.name != "postgresql":
        return None
    wall = g.get("database_wall", NOTHING)
    if wall["all"] == "on":
        return None if current_app.config.get("DATABASE_ALL_BANKS_ROLE") else ("", "~")
    return wall["low"], wall["high"]


@contextmanager
def across_banks():
    """The wall opened for the statements inside, for work that reaches beyond the
    reader's bank by design: an aggregate (a member's figures on the bulletin's basis,
    Art. 8(4), include the cases the association kept), or the system's own decisions on
    the reader's step (Art. 12(1) detection follows a repeat chain wherever it leads), or
    a reader who is nobody's user (a complainant at /track, who proved the case theirs
    and is shown a few plain values of it, never its text). Counts and decisions only,
    never a row to show as it is; closed again afterwards."""
    if not has_request_context():
        yield
        return
    _draw_in_session(EVERYTHING)
    try:
        yield
    finally:
        _draw_in_session(g.get("database_wall", NOTHING))


def install_database_wall(engine: Engine, all_banks_role: str | None = None) -> None:
    """Every transaction on ``engine`` begins inside the wall of its context."""
    if engine.dialect.name != "postgresql":
        return  # SQLite has no row-level security: the application's scoping stands alone

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        wall = _current_wall()
        # The settings are local to a transaction (set_config(..., true)) and nothing
        # sets them for a session, so a transaction begins walled shut anyway: the
        # login role, no bounds. Drawing NOTHING (a request before its user is known,
        # the user's own look-up) would cost a round trip a request for no change.
        if wall is not NOTHING:
            _draw(connection.execute, wall, all_banks_role)
