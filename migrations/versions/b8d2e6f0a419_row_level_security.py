"""row-level security: the database's own tenancy wall (PostgreSQL)

The tables holding customers' cases, and the member banks' accountability and duty
records, answer only the rows of the bank whose request reads them
(``portal.orgs.scoping``): each transaction carries ``app.scope_low``/``app.scope_high``,
the path bounds of the bank's subtree, or bounds around every path for the association
and the jobs that work across banks. Unset, nothing is visible. A plain range on the
path, with no OR: the planner uses it as an index condition, as the application's own
scoping. The tables' owner is not
held (migrations, the generator): the web servers connect as another role
(docs/deployment.md). SQLite: nothing to do.

A policy on a table keeps PostgreSQL from using an index for a test that is not
leakproof, such as ILIKE, so a walled search could not use the trigram indexes: a
walled request searches through ``complaint_text_matches``, which runs as the owner,
keeps to the bounds it is given and answers ids only.

Revision ID: b8d2e6f0a419
Revises: f7a3c5e9b214
Create Date: 2026-12-07 10:00:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "b8d2e6f0a419"
down_revision = "f7a3c5e9b214"
branch_labels = None
depends_on = None


def _in_bank(path: str) -> str:
    return (
        f"({path} >= current_setting('app.scope_low', true) COLLATE \"C\""
        f" AND {path} < current_setting('app.scope_high', true) COLLATE \"C\")"
    )


def _member_unit(column: str) -> str:
    return f"EXISTS (SELECT 1 FROM unit u WHERE u.id = {column} AND {_in_bank('u.path')})"


def _through(table: str, column: str) -> str:
    # The parent row's own policy decides (policies apply inside policies).
    return f"EXISTS (SELECT 1 FROM {table} p WHERE p.id = {column})"


# table -> the condition a row must meet
WALL = {
    "complaint": _in_bank("handling_path"),
    "complaint_event": _through("complaint", "complaint_id"),
    "complaint_attachment": _through("complaint", "complaint_id"),
    "rectification": _through("complaint", "complaint_id"),
    "case_follower": _through("complaint", "complaint_id"),
    "pii_reveal": _through("complaint", "complaint_id"),
    "clock": _through("complaint", "case_id"),
    "clock_event": _through("complaint", "case_id"),
    "accountability_case": _member_unit("member_id"),
    "accountability_evidence": _through("accountability_case", "case_id"),
    "accountability_event": _through("accountability_case", "case_id"),
    "accountability_interview": _through("accountability_case", "case_id"),
    "accountability_plan": _through("accountability_case", "case_id"),
    "accountability_document": _through("accountability_case", "case_id"),
    "campaign_disqualification": _member_unit("member_id"),
    "member_profile": _member_unit("member_id"),
    "contact_report": _member_unit("member_id"),
    "duty_pair": _member_unit("member_id"),
}


def _doubled(column: str) -> str:
    # Word for word as the indexes ix_complaint_*_doubled_trgm, so the planner uses them.
    return f"regexp_replace(c.{column}, '(.)', '\\1\\1', 'g')"


# plain: the term as a LIKE pattern; doubled: the doubled term's; with_tracking: whether
# the tracking number is searched too (three characters or more). EXECUTE: planned with
# the values, as the application's own search is (an index for a rare term, not for a
# common one).
TEXT_MATCHES = f"""
CREATE FUNCTION complaint_text_matches(
    plain text, doubled text, with_tracking boolean, low text, high text
) RETURNS TABLE (id integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $f$
BEGIN
    RETURN QUERY EXECUTE $q$
        SELECT c.id FROM complaint c
        WHERE c.handling_path >= $4 COLLATE "C" AND c.handling_path < $5 COLLATE "C"
        AND coalesce(c.complainant_name ILIKE $1 OR c.facts ILIKE $1 OR c.demand ILIKE $1
                     OR ($3 AND c.tracking_no ILIKE $1), true)
        AND ({_doubled("complainant_name")} ILIKE $2 OR {_doubled("facts")} ILIKE $2
             OR {_doubled("demand")} ILIKE $2 OR ($3 AND c.tracking_no ILIKE $1))
    $q$ USING plain, doubled, with_tracking, low, high;
END
$f$
"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, condition in WALL.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_wall ON {table} USING ({condition})")
    op.execute(TEXT_MATCHES)
    op.execute("REVOKE ALL ON FUNCTION complaint_text_matches FROM PUBLIC")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS complaint_text_matches")
    for table in WALL:
        op.execute(f"DROP POLICY IF EXISTS tenant_wall ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
