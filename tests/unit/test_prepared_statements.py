"""The case page's prepared statements bind only what varies from one case to the next.

PostgreSQL plans a prepared statement with its values five times, then keeps one plan for
any values if that plan does not look dearer. Measured at a million complaints
(bench/bench_latency.py), two of the case page's statements never got there and were
planned anew on every page: the history, whose constant event names were bound (without
them the planner priced the generic plan too high; 0.4 ms of planning for a statement
that runs in 0.06 ms), and the repeat chain's "repeat_of_id = :case OR id = :earlier"
(the second half is void for the 95% of cases that repeat nothing, so the plan made with
the values always looked cheaper). The planner's choice depends on the statistics of a
large database, which a test database does not have; what these tests hold is the shape
that lets it choose the generic plan.
"""

from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import operators, visitors

from portal.complaints import queries


def _bound_names(statement) -> set[str]:
    compiled = statement.compile(dialect=postgresql.dialect())
    return set(compiled.params)


def _has_or(statement) -> bool:
    return any(
        getattr(element, "operator", None) is operators.or_
        for element in visitors.iterate(statement)
    )


def test_the_history_binds_only_the_case_and_the_readers_organisation():
    assert _bound_names(queries._TIMELINE) == {"case_id", "org_id"}
    sql = str(queries._TIMELINE.compile(dialect=postgresql.dialect()))
    assert "IN ('breached', 'recomputed', 'extended')" in sql


def test_the_repeat_chain_is_two_plain_look_ups_in_the_readers_scope():
    for statement in (queries._LATER_REPEATS, queries._EARLIER_CASE):
        assert _bound_names(statement) == {"case_id", "scope_low", "scope_high"}
        assert not _has_or(statement)
