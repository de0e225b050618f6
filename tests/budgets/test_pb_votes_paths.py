"""The two ways of reading a VOTES section give the same election, or the same `FILE:LINE: reason`.

Plain VOTES sections are read a column at a time (`BallotReader.read_plain`, which checks each
distinct vote text once); anything it does not accept is read row by row (`BallotReader.read`).
Both must agree on every input, well formed or not: these tests generate VOTES sections with
the mistakes real files carry and read each one both ways.
"""

from __future__ import annotations

from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from budgets import Election, PabulibError, parse_pb
from budgets.pb_votes import BallotReader
from tests.budgets.pabulib_files import IN_CI

PROJECT_IDS = ("1", "2", "3", "10")
VOTE_TYPES = ("approval", "cumulative", "ordinal", "choose-1")

# Vote items: known ids most of the time, then the mistakes files carry.
ITEMS = st.one_of(
    st.sampled_from(PROJECT_IDS),
    st.sampled_from(("", " 1", "4", "١", "01", "x", "1 ", "2\x00")),
)
POINTS = st.one_of(
    st.integers(-2, 9).map(str),
    st.sampled_from(("", "a", "1.5", " 3", "٣", "99999999999999999999")),
)


@st.composite
def votes_sections(draw: st.DrawFn) -> str:
    """A .pb file whose VOTES section is mostly plain and sometimes malformed."""
    vote_type = draw(st.sampled_from(VOTE_TYPES))
    with_points = vote_type == "cumulative"
    header = (
        ["voter_id", "vote"]
        + (["points"] if with_points else [])
        + draw(st.sampled_from(([], ["age"], ["age", "sex"])))
    )
    lines = [";".join(header)]
    for number in range(draw(st.integers(1, 8))):
        items = draw(st.lists(ITEMS, max_size=4))
        voter = draw(st.one_of(st.just(str(number + 1)), st.sampled_from(("1", "2", "v 3"))))
        row = [voter, ",".join(items)]
        if with_points:
            row.append(",".join(draw(st.lists(POINTS, min_size=len(items), max_size=len(items) + 1))))
        row += [draw(st.sampled_from(("30", "41", "", "F"))) for _ in header[len(row) :]]
        if draw(st.integers(0, 9)) == 0:
            row = row[: draw(st.integers(1, len(row)))] if draw(st.booleans()) else [*row, "extra"]
        lines.append(";".join(row))
    ending = draw(st.sampled_from(("\n", "\r\n")))
    projects = "\n".join(f"{pid};{100 * (i + 1)}" for i, pid in enumerate(PROJECT_IDS))
    text = (
        f"META\nkey;value\nnum_projects;{len(PROJECT_IDS)}\nnum_votes;{len(lines) - 1}\nbudget;500\n"
        f"vote_type;{vote_type}\nPROJECTS\nproject_id;cost\n{projects}\nVOTES\n"
        + ending.join(lines)
        + draw(st.sampled_from(("", "\n", "\n\n")))
    )
    return text


def read(text: str) -> Election | str:
    """The election, or the error message."""
    try:
        return parse_pb(text, "t.pb")
    except PabulibError as error:
        return str(error)


def read_row_by_row(text: str) -> Election | str:
    with patch.object(BallotReader, "read_plain", return_value=None):
        return read(text)


@settings(max_examples=300, deadline=None, derandomize=IN_CI, print_blob=True)
@given(votes_sections())
def test_both_paths_read_every_votes_section_alike(text: str) -> None:
    fast, slow = read(text), read_row_by_row(text)
    assert fast == slow
    if isinstance(fast, Election) and isinstance(slow, Election):
        assert [b.fields for b in fast.ballots] == [b.fields for b in slow.ballots]


def test_the_generator_reaches_both_outcomes_and_the_plain_path() -> None:
    # The comparison above is only worth something if the plain path really reads some of these
    # sections and both paths meet well-formed and malformed ones.
    calls: list[bool] = []
    original = BallotReader.read_plain

    def spy(reader: BallotReader, body: object) -> object:
        found = original(reader, body)  # type: ignore[arg-type]
        calls.append(found is not None)
        return found

    outcomes: set[bool] = set()

    @settings(max_examples=200, deadline=None, derandomize=True)
    @given(votes_sections())
    def sample(text: str) -> None:
        outcomes.add(isinstance(read(text), Election))

    with patch.object(BallotReader, "read_plain", spy):
        sample()
    assert outcomes == {True, False}
    assert set(calls) == {True, False}
