"""Every `hub …` command the runbook and the partners' guide show exists, with the options
they give it: docs that name a command the CLI does not have send an operator astray."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from hub.entrypoints.cli import cli

ROOT = Path(__file__).resolve().parents[2]
DOCS = ("docs/runbook.md", "docs/partners.md")
INLINE = re.compile(r"`(hub [^`]+)`")
BLOCK = re.compile(r"^(hub [^#\n]+)", re.M)


def _commands(doc: str) -> list[str]:
    text = (ROOT / doc).read_text(encoding="utf-8")
    return [c.strip() for c in [*INLINE.findall(text), *BLOCK.findall(text)]]


def _check(line: str) -> str:
    """'' when `line` names a real command with real options; else what is wrong."""
    words = line.split()[1:]
    command: click.Command = cli
    while isinstance(command, click.Group) and words and not words[0].startswith("-"):
        found = command.commands.get(words[0])
        if found is None:
            return f"no command {words[0]!r} in {line!r}"
        command, words = found, words[1:]
    if isinstance(command, click.Group):
        return "" if words in ([], ["--help"]) else f"{line!r} names no subcommand"
    known = {o for p in command.params for o in getattr(p, "opts", [])}
    unknown = [w for w in words if w.startswith("--") and w.split("=")[0] not in known]
    return f"{line!r}: unknown option(s) {unknown}" if unknown else ""


@pytest.mark.parametrize("doc", DOCS)
def test_every_command_in_the_doc_exists(doc: str) -> None:
    commands = _commands(doc)
    assert len(commands) > 5, "the doc shows commands"
    assert [p for p in map(_check, commands) if p] == []


def test_a_made_up_command_is_caught() -> None:
    assert _check("hub broker rotate")
    assert _check("hub peek partner.X --follow")
