"""index.feeds.apply: a census's involvements with its source."""

import datetime as dt

from index import registry
from index.feeds import apply
from tests import factories

START, EARLIER = dt.date(2026, 9, 1), dt.date(2025, 9, 1)


async def test_involvements_are_created_once_and_open_ones_kept(conn, sources):
    school = sources["SCH1"].org_id
    kids = [await registry.create_child(conn, factories.child(forename=name, nhs_number=factories.nhs_number(k),
                                                              upn=factories.upn(serial=k)))
            for k, name in enumerate(["Ada", "Bea", "Cy", "Dot", "Eli"], start=1)]
    # Ada is already at the school; Bea was, and left.
    await conn.execute("INSERT INTO involvements (child_id, org_id, start_date, source) VALUES ($1, $2, $3, 'census')",
                       kids[0], school, EARLIER)
    await conn.execute("INSERT INTO involvements (child_id, org_id, start_date, end_date, source) "
                       "VALUES ($1, $2, $3, $3, 'census')", kids[1], school, EARLIER)

    await apply.ensure_involvements(conn, school, kids + [kids[2]], START)      # Cy twice in the census

    rows = await conn.fetch("SELECT child_id, start_date, end_date FROM involvements WHERE org_id = $1", school)
    open_ = {r["child_id"]: r["start_date"] for r in rows if r["end_date"] is None}
    assert open_ == {kids[0]: EARLIER, **{k: START for k in kids[1:]}}
    assert len(rows) == 6                       # Bea's ended involvement is kept beside her new one


async def test_no_children_writes_nothing(conn, sources):
    await apply.ensure_involvements(conn, sources["SCH1"].org_id, [], START)
    assert await conn.fetchval("SELECT count(*) FROM involvements") == 0
