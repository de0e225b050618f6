"""docs/benchmarks.md: replace one `## ` section, leaving every other section as it is."""

from __future__ import annotations

from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
HEADER = "# Benchmarks\n\nMeasured figures, each section with the command that reproduces it.\n"


def replace_section(path: Path, heading: str, body: str) -> None:
    """Put `heading` + `body` in place of the section that starts with `heading` (or append it)."""
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    section = f"{heading}\n\n{body.strip()}\n"
    lines = text.splitlines(keepends=True)
    start = next((n for n, line in enumerate(lines) if line.rstrip() == heading), None)
    if start is None:
        new = text.rstrip("\n") + "\n\n" + section
    else:
        end = next(
            (n for n in range(start + 1, len(lines)) if lines[n].startswith("## ")),
            len(lines),
        )
        tail = "".join(lines[end:])
        new = "".join(lines[:start]) + section + ("\n" + tail if tail else "")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new, encoding="utf-8")


def publish(heading: str, text: str, *, write: bool) -> None:
    """Print a benchmark's section and, when `write` (not a quick run), put it in docs/benchmarks.md in
    place of its old text."""
    print(text)
    if write:
        replace_section(DOC, heading, text)
        print(f"Written to {DOC} under {heading!r}.")
