"""The whole demo province in one call, as ``flask demo seed`` makes it and as the tests
of the role-first screens seed it: units and users, about 300 complaints driven through
the real lifecycle, accountability, major incidents, analysis, plans, rates, bulletins,
archives, and then the sweep the portal would have run by ``now``. Idempotent."""

from collections.abc import Callable
from datetime import datetime

from portal.db import db


def seed_demo(now: datetime, say: Callable[[str], object] = lambda line: None) -> None:
    """Seeds everything, committing after each part; ``say`` hears one line per part."""
    from portal.demo import bulletin_demo
    from portal.demo.accountability_demo import seed_accountability
    from portal.demo.analysis_demo import seed_analysis
    from portal.demo.archives_demo import seed_archives
    from portal.demo.complaints_demo import seed_complaints
    from portal.demo.major_demo import seed_major
    from portal.demo.plans_demo import seed_plans_and_summaries
    from portal.demo.rates_demo import seed_rates
    from portal.demo.seed import DEMO_PASSWORD, seed_province
    from portal.jobs.sweep import run_sweep

    created = seed_province(now)
    db.session.commit()
    say(f"demo province ready: {created['units']} units and {created['users']} users added")
    say(f"{seed_complaints(now)} demo complaints added over the last 13 months")
    db.session.commit()
    say(f"{seed_accountability(now)} accountability cases (Art. 12)")
    db.session.commit()
    say(f"every demo login uses the password {DEMO_PASSWORD}")
    say(seed_major(now))
    db.session.commit()
    say(seed_analysis(now))  # Art. 8(5): a confirmed cluster, its advice, a dismissal
    db.session.commit()
    say(seed_plans_and_summaries(now))  # Art. 9(3) plans, Art. 9(4) summaries
    db.session.commit()
    say(seed_rates(now))  # the 75 % line: marked rates, one rectification ordered
    db.session.commit()
    say(bulletin_demo.seed_bulletins(now))
    say(seed_archives(now))
    # As the five-minute sweep would have by now: breaches marked and told, the morning's
    # reminders in the bells (the e-mails stay queued; nothing is sent).
    counts = run_sweep(now)
    db.session.commit()
    say(f"sweep: {counts['breaches']} breaches, {counts['reminders']} reminders")
