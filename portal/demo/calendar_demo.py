"""The demo's working-day calendar: every official year of the chinesecalendar package.

The migration already stores them; this catches up a database migrated before a
package upgrade, and is idempotent like the rest of ``demo seed``. Next year's notice
is deliberately left out, so that a newcomer signing in as ``assoc-admin`` from
November on sees the warning and can try the notice screen
(``portal/workdays/examples/notice-2026.json`` shows the format).
"""

from portal.workdays.store import seed_official_years


def seed_calendar(now) -> list[int]:
    return seed_official_years(now)
