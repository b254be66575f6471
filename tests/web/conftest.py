import pytest
from handoff_support import Desk, at


@pytest.fixture
def desk(app, province):
    """The province's people at their screens on Monday 23 November 2026, 10:00 Beijing."""
    app.config["FROZEN_NOW"] = at("2026-11-23", 10)
    return Desk(app, province)
