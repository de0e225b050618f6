"""The one-click unsubscribe header reaches mail programs as RFC 2369 wants it: `<URL>` on one line."""

from __future__ import annotations

import itertools

from app.jobs.mail_delivery import parse_message
from app.mail import build_message

# As long as a real one: the public URL, the path and a signed token (about 100 characters).
URL = "https://commonfix.example.city/follows/unsubscribe/eyJ1Ijo2MywiaSI6MzIxfQ.sB9BwGbKWayeglM52jpu4pV5igM"


def header_lines(data: bytes, name: str) -> list[str]:
    """The raw lines of header `name` (its first line and any folded continuations)."""
    head = data.split(b"\n\n", 1)[0].decode("ascii").split("\n")
    for at, line in enumerate(head):
        if line.lower().startswith(name.lower() + ":"):
            rest = list(itertools.takewhile(lambda more: more[:1] in (" ", "\t"), head[at + 1 :]))
            return [line, *rest]
    return []


def test_the_unsubscribe_url_is_not_encoded_as_words_when_built_and_when_sent() -> None:
    built = build_message(
        to="olivia@city.example",
        subject="“Deep pothole by the bakery” is now In progress",
        text="Problem #321 changed from New to In progress.",
        sender="Commonfix <noreply@city.example>",
        unsubscribe_url=URL,
    )
    stored = bytes(built)
    # The worker parses the stored bytes and sends them again (SMTP or the outbox folder).
    sent = bytes(parse_message(stored))
    for data in (stored, sent):
        assert header_lines(data, "List-Unsubscribe") == [f"List-Unsubscribe: <{URL}>"]
        assert "=?" not in header_lines(data, "List-Unsubscribe")[0]
        post = header_lines(data, "List-Unsubscribe-Post")
        assert post == ["List-Unsubscribe-Post: List-Unsubscribe=One-Click"]
        # Other headers still fold at 78 and encode what is not ASCII, as before.
        subject = header_lines(data, "Subject")
        assert subject[0].startswith("Subject: =?utf-8?")
        assert all(len(line) <= 78 for line in subject)
    # The body keeps quoted-printable's 76-character lines.
    body = stored.split(b"\n\n", 1)[1]
    assert all(len(line) <= 76 for line in body.split(b"\n"))
