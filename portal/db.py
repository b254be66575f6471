"""The SQLAlchemy handle, with naming conventions so Alembic migrations get stable names."""

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Boolean, DateTime, MetaData, String, Table, TypeDecorator, event
from sqlalchemy.engine import Engine
from sqlalchemy.engine.interfaces import ExecuteStyle
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, BindParameter
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.schema import Column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    if TYPE_CHECKING:
        # DeclarativeBase types it as any FromClause; every model here maps a Table.
        __table__: ClassVar[Table]


db = SQLAlchemy(model_class=Base)
migrate = Migrate()

# Every model's base class. Flask-SQLAlchemy builds ``db.Model`` at run time from
# ``Base``; type checkers cannot see through that, so they are shown ``Base`` itself.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


class UTCDateTime(TypeDecorator):
    """Stores UTC; always hands back an aware UTC datetime, on SQLite as on PostgreSQL.

    Naive datetimes are refused: a time without a zone is a bug waiting for the
    Asia/Shanghai offset to bite.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def path_string(length: int = 255):
    """A string compared byte by byte: materialized paths rely on '/' < '0'..'9'.

    PostgreSQL's default collation may ignore punctuation when comparing, which would
    break subtree range queries, so the column uses the C collation there.
    """
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def dialect_insert(model):
    """``INSERT`` for the dialect in use, with ``on_conflict_do_nothing`` and
    ``on_conflict_do_update`` (PostgreSQL and SQLite both have them): the atomic way to
    write a row that another app server may be writing at the same moment. SQLAlchemy
    compiles these anew on every run (it cannot cache their ON CONFLICT clause): a hot
    path writes its upsert as SQL text instead (``notify.operations._INSERT_NOTE``)."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    return insert(model)


class likely(FunctionElement):  # noqa: N801  (named as the SQL function it renders)
    """A condition said to hold for most rows. On SQLite ``likely(condition)``: a hint
    to the planner that changes no result. SQLite keeps no statistics of a range's
    values (and, without ANALYZE, none at all), so it takes every range, and each value
    of an IN, for a small part of the table: it read the association's inbox, whose
    bounds hold every case, through the path index and sorted the lot. Elsewhere the
    condition as it is: PostgreSQL has statistics and plans it as before. Wrap single
    comparisons: SQLite splits an AND before it reads the hint."""

    type = Boolean()
    name = "likely"
    inherit_cache = True
    _is_implicitly_boolean = True  # a condition: no "= 1" after it on SQLite


@compiles(likely)
def _condition_as_it_is(element, compiler, **kw):
    (condition,) = element.clauses.clauses
    return compiler.process(condition.self_group(), **kw)


@compiles(likely, "sqlite")
def _sqlite_likely(element, compiler, **kw):
    return compiler.visit_function(element, **kw)


# Tables the migrations make outside the models: SQLite's full-text index of the cases
# (``complaints.models.SEARCH_INDEX``, an FTS5 virtual table, and the shadow tables FTS5
# keeps for it), which SQLAlchemy cannot declare.
SQLITE_ONLY_TABLES = re.compile(r"complaint_search(_[a-z]+)?")


def include_object(dialect_name: str):
    """Alembic's ``include_object`` for ``dialect_name``: an index that exists on one
    dialect only (``Index(..., info={"dialect": ...}).ddl_if(...)``) is compared only
    there, so models and migrations agree on both databases; the SQLite full-text
    index's tables are left out of the comparison."""

    def include(obj, name, type_, reflected, compare_to):
        if type_ == "table":
            return not (reflected and compare_to is None and SQLITE_ONLY_TABLES.fullmatch(name))
        if type_ != "index":
            return True
        model = compare_to if reflected else obj
        return model is None or model.info.get("dialect") in (None, dialect_name)

    return include


def utcnow() -> datetime:
    return datetime.now(UTC)


@event.listens_for(Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection, connection_record):
    # SQLite ignores foreign keys unless asked; PostgreSQL always enforces them, and the
    # embedded default must not be laxer than production.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


# Statements whose plan does not depend on their values (a look-up by primary key, say)
# are marked ``execution_options(**PREPARE)``: psycopg then prepares them on the server
# once per connection. PostgreSQL stops parsing them on every run and, after five runs
# planned with their values, keeps one plan for any values when it is as good. Three kinds
# are such statements without being marked: a single-row INSERT … VALUES; the ORM's
# INSERT of a few rows in one statement (its "insertmanyvalues", one text per number of
# rows: forwarding starts three clocks so); and an UPDATE of the row with a given primary
# key (the ORM's flush of a changed object: every step writes its case and its clocks
# so, and planning the case's UPDATE with its twenty indexes took most of its time).
# psycopg prepares what it runs by executemany, a statement run for many rows, anyway.
# Figures: docs/performance.md.
# Everything else keeps being planned with its values (config.postgresql_engine_options);
# so are the INSERTs of a bulk load's batches of many rows, each text run once or twice
# and not worth a place in the connection's cache of prepared statements.
PREPARE = {"prepare": True}
FEW_ROWS = 10


def _plan_free(context) -> bool:
    if context.execution_options.get("prepare"):
        return True
    if context.execute_style is ExecuteStyle.INSERTMANYVALUES:
        return len(context.compiled_parameters) <= FEW_ROWS
    if context.executemany or context.compiled is None:
        return False
    statement = context.compiled.statement
    if context.isinsert:
        return getattr(statement, "select", None) is None
    return context.isupdate and _by_primary_key(statement)


def _by_primary_key(statement) -> bool:
    """``UPDATE t SET … WHERE t.<primary key> = :value [AND t.<column> = :value …]``."""
    where = getattr(statement, "whereclause", None)
    if where is None:
        return False
    terms = where.clauses if getattr(where, "operator", None) is operators.and_ else [where]
    compared = set()
    for term in terms:
        if not (
            isinstance(term, BinaryExpression)
            and term.operator is operators.eq
            and isinstance(term.right, BindParameter)
            and isinstance(term.left, Column)
            and term.left.table is statement.table
        ):
            return False
        compared.add(term.left)
    return set(statement.table.primary_key.columns) <= compared


@event.listens_for(Engine, "do_execute")
def _prepared(cursor, statement, parameters, context):
    if context.dialect.driver == "psycopg" and _plan_free(context):
        cursor.execute(statement, parameters, prepare=True)
        return True
    return None
