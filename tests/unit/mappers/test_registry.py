"""The registry: dispatch by type, unsupported types, and every corpus file without a traceback."""

from __future__ import annotations

import pytest

from hub.mappers.base import MapStatus
from hub.mappers.edifact import MAPPERS, map_edifact_message
from tests.unit.mappers.conftest import CORPUS, read_messages
from tests.unit.mappers.edifact_text import message

UNSUPPORTED = MapStatus.UNSUPPORTED
MAPPED = MapStatus.MAPPED
REJECTED = MapStatus.REJECTED

CORPUS_OUTCOMES = {
    "APERAK_D96A_accepted.edi": [UNSUPPORTED],
    "APERAK_D96A_bots_output.edi": [UNSUPPORTED],
    "APERAK_D96A_rejected.edi": [UNSUPPORTED],
    "APERAK_D96A_rejected_syntax4.edi": [UNSUPPORTED],
    "BAPLIE_D95B_SMDG20.edi": [UNSUPPORTED],
    "COARRI_D95B_ITG13_genoa_discharge_load.edi": [MAPPED, MAPPED],
    "CODECO_D95B_generated_gatein.edi": [REJECTED],
    "CONTRL_D3_positive.edi": [UNSUPPORTED],
    "COPARN_D00B_SMDG20_generated.edi": [UNSUPPORTED],
    "COPINO_D95B_ITG13_generated.edi": [UNSUPPORTED],
    "COPRAR_D95B_SMDG16_generated.edi": [UNSUPPORTED],
    "COREOR_D08B_SMDG20_salerno_release.edi": [REJECTED, REJECTED],
    "CUSCAR_D95B_LOT10_simple.edi": [MAPPED],
    "CUSRES_D99B_underbond_approval.edi": [MAPPED],
    "PAORES_release_character_torture.edi": [UNSUPPORTED],
    "VERMAS_D16A_generated.edi": [UNSUPPORTED],
}


@pytest.mark.parametrize("name", sorted(CORPUS_OUTCOMES))
def test_every_corpus_file_maps_to_a_clear_outcome(name: str, loader: str) -> None:
    results = [map_edifact_message(m) for m in read_messages(CORPUS / name, loader)]
    assert [r.status for r in results] == CORPUS_OUTCOMES[name]
    for result in results:
        assert result.status is MAPPED or result.errors, "a refusal always says why"
        assert all(p.message_ref == result.ref and p.segment_tag for p in result.problems)


def test_the_corpus_table_names_every_corpus_file() -> None:
    assert {p.name for p in CORPUS.glob("*.edi")} == set(CORPUS_OUTCOMES)


@pytest.mark.parametrize(
    ("kind", "says"),
    [
        ("BAPLIE", "a stowage plan"),
        ("CONTRL", "never answers"),
        ("APERAK", "never answers"),
        ("IFCSUM", "a type the hub does not know"),
    ],
)
def test_unsupported_types_say_what_they_are(kind: str, says: str) -> None:
    result = map_edifact_message(message(f"UNH+U1+{kind}:D:95B:UN'BGM+1'UNT+3+U1'"))
    assert (result.status, result.commands, result.type, result.version) == (
        UNSUPPORTED,
        (),
        kind,
        "D95B",
    )
    [found] = result.problems
    assert (found.segment_tag, found.segment_position, found.element, found.code) == (
        "UNH",
        1,
        2,
        "2",
    )
    assert says in found.message and "COREOR" in found.message


@pytest.mark.parametrize("kind", sorted(MAPPERS))
def test_mapped_types_dispatch_to_their_mapper(kind: str) -> None:
    result = map_edifact_message(message(f"UNH+T1+{kind}:D:95B:UN'UNT+2+T1'"))
    assert (result.type, result.status) == (kind, REJECTED)
