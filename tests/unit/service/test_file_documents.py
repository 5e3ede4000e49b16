"""Container files as stored documents: who linked a B/L and which terminal reported what
survive a save, and documents written before authors were kept still load."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.domain.model import BillLink, ContainerFile, ReleaseRight, TerminalFacts
from hub.domain.values import Colour, LightName
from hub.ledger import documents

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def test_links_and_terminal_facts_survive_a_round_trip() -> None:
    file = ContainerFile(
        "MSCU1234566",
        right=ReleaseRight("REL-1", "MSCBE", T0, T0, terminal="PSAT"),
        bl_links=(
            BillLink("BL-A", "MSCBE"),
            BillLink("BL-B", "CMACGM"),
            BillLink("BL-C", "BC", True),
        ),
        terminal="MPET",
        terminal_facts={"PSAT": TerminalFacts(True, ""), "MPET": TerminalFacts(False, "blocked")},
    )

    loaded = documents.load(file.container, documents.dump(file), 1)

    assert (loaded.bl_links, loaded.terminal_facts) == (file.bl_links, file.terminal_facts)
    assert loaded.bills_of_lading() == ("BL-A", "BL-C")  # CMACGM's link does not count
    assert loaded.lights()[LightName.TERMINAL].colour is Colour.GREEN  # PSAT's facts count


def test_a_document_of_before_keeps_its_links_and_its_terminals_facts() -> None:
    doc = documents.dump(ContainerFile("MSCU1234566"))
    for key in ("bl_links", "terminal_facts"):
        del doc[key]
    doc.update(linked_bls=["BL-A"], terminal="PSAT", discharged=True, terminal_hold="")

    loaded = documents.load("MSCU1234566", doc, 1)

    assert loaded.bills_of_lading() == ("BL-A",)
    assert loaded.terminal_facts == {"PSAT": TerminalFacts(True, "")}
    assert loaded.discharged
