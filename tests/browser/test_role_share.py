"""The two runs of `make test` share the role-by-role walks: together they walk every role exactly once."""

from __future__ import annotations

import pytest

from tests.browser.conftest import this_run_s_roles


@pytest.mark.parametrize("count", range(1, 13))
def test_the_two_runs_walk_every_role_once_between_them(monkeypatch, count):
    roles = {f"role {index}": f"user{index}@example.test" for index in range(count)}
    walked = []
    for share in ("1/2", "2/2"):
        monkeypatch.setenv("MARKETPLACE_TEST_ROLE_SHARE", share)
        walked.append(this_run_s_roles(roles))
    assert sorted([*walked[0], *walked[1]]) == sorted(roles)
    assert walked[0].keys().isdisjoint(walked[1].keys())
    if count >= 2:
        assert walked[0] and walked[1], "each run walks at least one role"
        assert len(walked[0]) >= len(walked[1]), "the first (quicker) run takes the larger share"
    monkeypatch.delenv("MARKETPLACE_TEST_ROLE_SHARE")
    assert this_run_s_roles(roles) == roles


def test_a_share_that_names_no_run_is_refused(monkeypatch):
    monkeypatch.setenv("MARKETPLACE_TEST_ROLE_SHARE", "3/2")
    with pytest.raises(ValueError, match="1/2"):
        this_run_s_roles({"caretaker": None})
