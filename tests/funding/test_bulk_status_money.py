"""A bulk status change to Fixed waits, as each problem's own change does, until no problem in the
batch holds committed money (all or nothing). Both engines."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Issue, User
from app.services.kernel.errors import ValidationError
from app.services.workflow import status_changes as workflow
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding.test_payouts import funded_issue
from tests.funding_fixtures import funding  # noqa: F401


def test_a_bulk_change_to_fixed_waits_for_the_money_of_any_problem_in_it(world: RoundWorld) -> None:
    """The dashboard's bulk change refuses the batch (all or nothing) when one problem in it still holds
    committed money, naming that problem and what it holds."""
    issue_id = funded_issue(world)
    batch = [*[i for i in world.issues if i != issue_id][:2], issue_id]
    assert world.official is not None
    with world.app.app_context():
        official = db.session.get(User, world.official.id)
        assert official is not None
        before = [db.session.get(Issue, i).status for i in batch]  # type: ignore[union-attr]
        with pytest.raises(ValidationError) as refused:
            workflow.bulk_change_status(db.session, official, batch, "fixed", "Done.")
        db.session.rollback()
        assert refused.value.field == "status"
        assert f"Problem #{issue_id} cannot be marked 'Fixed' yet: EUR 30.00" in refused.value.message
        assert [db.session.get(Issue, i).status for i in batch] == before  # type: ignore[union-attr]
        assert "fixed" not in before
