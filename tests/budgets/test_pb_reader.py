"""Reading .pb files: every section and vote type, quoting, and `FILE:LINE: reason` for malformed input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from budgets import PabulibError, parse_pb, read_pb
from budgets.cli import main
from tests.budgets.pabulib_files import REPO_ROOT

VALID = '''META
key;value
description;Test election
num_projects;3
num_votes;3
budget;1000
vote_type;approval
rule;greedy
PROJECTS
project_id;cost;votes;name
a;600;2;"Park; phase ""one"""
b;500;2;Benches
c;400;1;Lights
VOTES
voter_id;vote;age
1;a,b;30
2;a,c;41
3;b;
'''


def line_of(text: str, fragment: str) -> int:
    """1-based number of the first line containing `fragment`."""
    return next(i for i, line in enumerate(text.split("\n"), start=1) if fragment in line)


def test_a_valid_file_reads_every_section() -> None:
    election = parse_pb(VALID, "t.pb")
    assert election.budget == 1000
    assert election.vote_type == "approval"
    assert election.project_ids == ("a", "b", "c")
    assert election.projects[0].fields["name"] == 'Park; phase "one"'
    assert [b.projects for b in election.ballots] == [("a", "b"), ("a", "c"), ("b",)]
    assert election.ballots[0].voter_id == "1"
    assert election.ballots[0].fields == {"age": "30"}
    assert election.meta["rule"] == "greedy"


def test_cumulative_and_ordinal_ballots() -> None:
    cumulative = VALID.replace("vote_type;approval", "vote_type;cumulative").replace(
        "voter_id;vote;age\n1;a,b;30\n2;a,c;41\n3;b;", "voter_id;vote;points\n1;a,b;2,1\n2;a,c;1,2\n3;b;3"
    )
    election = parse_pb(cumulative, "c.pb")
    assert election.ballots[0].points == (2, 1)
    ordinal = VALID.replace("vote_type;approval", "vote_type;ordinal")
    assert parse_pb(ordinal, "o.pb").ballots[1].projects == ("a", "c")


def test_plain_crlf_and_quoted_votes_read_the_same() -> None:
    """Plain VOTES lines are read a column at a time, quoted ones record by record: same election."""
    plain = parse_pb(VALID, "t.pb")
    for variant in (VALID.replace("\n", "\r\n"), VALID.replace("3;b;", '3;"b";'), VALID + "\n\n"):
        election = parse_pb(variant, "t.pb")
        assert election == plain
        assert [ballot.fields for ballot in election.ballots] == [ballot.fields for ballot in plain.ballots]


def test_a_blank_line_inside_the_votes_is_skipped() -> None:
    election = parse_pb(VALID.replace("2;a,c;41\n", "2;a,c;41\n\n"), "t.pb")
    assert [ballot.voter_id for ballot in election.ballots] == ["1", "2", "3"]


def test_costs_written_as_whole_decimals_are_accepted() -> None:
    election = parse_pb(VALID.replace("a;600;", "a;600.0;").replace("budget;1000", "budget;1000.00"), "t.pb")
    assert election.projects[0].cost == 600
    assert election.budget == 1000


def test_a_quoted_field_over_two_lines_keeps_later_line_numbers_right() -> None:
    text = VALID.replace("b;500;2;Benches", 'b;500;2;"Benches\nand tables"').replace("3;b;", "3;zz;")
    with pytest.raises(PabulibError) as caught:
        parse_pb(text, "t.pb")
    assert caught.value.line == line_of(text, "3;zz;")


MALFORMED = [
    ("num_votes;3", "num_votes;4", "num_votes;4", "num_votes says 4, the file has 3 votes"),
    ("num_projects;3", "num_projects;2", "num_projects;2", "num_projects says 2, the file has 3 projects"),
    ("c;400;1;Lights", "a;400;1;Lights", "a;400;1;Lights", "duplicate project id 'a' (first on line 11)"),
    ("2;a,c;41", "2;a,x;41", "2;a,x;41", "vote for unknown project 'x'"),
    ("c;400;1;Lights", "c;-400;1;Lights", "c;-400", "the cost of project 'c' is negative: -400"),
    (
        "c;400;1;Lights",
        "c;4e2;1;Lights",
        "c;4e2",
        "bad number for the cost of project 'c': '4e2' is not a whole number",
    ),
    ("c;400;1;Lights", "c;400.5;1;Lights", "c;400.5", "is not a whole number"),
    ("budget;1000", "budget;1,000", "budget;1,000", "bad number for budget: '1,000' is not a whole number"),
    ("num_votes;3", "num_votes;three", "num_votes;three", "bad number for num_votes"),
    ("3;b;", "1;b;", "1;b;", "duplicate voter id '1' (first on line 16)"),
    ("2;a,c;41", "2;a,a;41", "2;a,a;41", "names a project more than once"),
    ("3;b;", "3;b", "3;b", "VOTES row has 2 fields, the header has 3"),
    ("vote_type;approval", "vote_type;pairwise", "vote_type;pairwise", "unknown vote_type 'pairwise'"),
    (
        "project_id;cost;votes;name",
        "id;cost;votes;name",
        "id;cost;votes;name",
        "must start with project_id;cost",
    ),
    ("2;a,c;41", '2;"a,c;41', '2;"a,c;41', "unterminated quoted field"),
]


@pytest.mark.parametrize(("old", "new", "where", "reason"), MALFORMED, ids=[m[3][:40] for m in MALFORMED])
def test_malformed_input_names_the_file_line_and_reason(old: str, new: str, where: str, reason: str) -> None:
    text = VALID.replace(old, new, 1)
    with pytest.raises(PabulibError) as caught:
        parse_pb(text, "round.pb")
    assert caught.value.line == line_of(text, where)
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"round.pb:{caught.value.line}: ")


def test_points_that_are_not_numbers() -> None:
    text = (
        VALID.replace("vote_type;approval", "vote_type;cumulative")
        .replace("voter_id;vote;age\n1;a,b;30", "voter_id;vote;points\n1;a,b;2,x")
        .replace("2;a,c;41", "2;a,c;1,1")
        .replace("3;b;", "3;b;1")
    )
    with pytest.raises(PabulibError, match="bad number for points: 'x'") as caught:
        parse_pb(text, "c.pb")
    assert caught.value.line == line_of(text, "1;a,b;2,x")


def test_points_missing_for_a_cumulative_ballot() -> None:
    text = VALID.replace("vote_type;approval", "vote_type;cumulative").replace(
        "voter_id;vote;age", "voter_id;vote;points"
    )
    text = text.replace("1;a,b;30", "1;a,b;3")
    with pytest.raises(PabulibError, match="points must give one number per project"):
        parse_pb(text, "c.pb")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (VALID.split("VOTES")[0], "missing VOTES section"),
        (VALID.replace("META\n", "", 1), "expected the META section title"),
        (VALID.replace("PROJECTS", "VOTES", 1), "expected section PROJECTS, found VOTES"),
        (VALID.replace("budget;1000\n", ""), "META has no budget"),
    ],
)
def test_structural_errors(text: str, reason: str) -> None:
    with pytest.raises(PabulibError, match=reason):
        parse_pb(text, "s.pb")


def test_the_cli_reports_file_line_reason_on_stderr_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.pb"
    text = VALID.replace("2;a,c;41", "2;a,x;41")
    bad.write_text(text, encoding="utf-8")
    for command in ("allocate", "check"):
        assert main([command, str(bad)]) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err == f"{bad}:{line_of(text, '2;a,x;41')}: vote for unknown project 'x'\n"


def test_the_cli_rejects_a_missing_file_and_a_file_that_is_not_utf8(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["allocate", str(tmp_path / "none.pb")]) == 2
    assert "cannot read" in capsys.readouterr().err
    latin = tmp_path / "latin.pb"
    latin.write_bytes(VALID.replace("Lights", "Lumi\u00e8res").encode("latin-1"))
    assert main(["allocate", str(latin)]) == 2
    assert f"{latin}:1: not UTF-8 text" in capsys.readouterr().err


def test_python_dash_m_budgets_exits_2_on_malformed_input(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pb"
    bad.write_text(VALID.replace("c;400;1;Lights", "c;-400;1;Lights"), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "budgets", "allocate", str(bad)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == f"{bad}:13: the cost of project 'c' is negative: -400"


def test_read_pb_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "ok.pb"
    path.write_text(VALID, encoding="utf-8")
    assert read_pb(path).source == str(path)
