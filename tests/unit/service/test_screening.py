"""The envelope checks on their own: recipient, test indicator, NAD+MS (pure, no database)."""

from __future__ import annotations

from hub.config import Settings
from hub.domain.partners import Partner
from hub.mappers.base import MapStatus
from hub.service_layer.intake import Unit, read_units
from hub.service_layer.screening import envelope_problems, screen
from tests.unit.service.conftest import SAMPLES

RELEASE = (SAMPLES / "demo/01_release.edi").read_bytes()
MSCBE = Partner("MSCBE", "MSC Belgium", vat="BE0403238995", edi_ids=(("MSCBE", "ZZZ"),))


def _unit(body: bytes = RELEASE) -> Unit:
    (unit,) = read_units(body)
    return unit


def test_the_hubs_aliases_are_recipients_too() -> None:
    other = _unit(RELEASE.replace(b"+CPUHUB:ZZZ+", b"+5412345000013:14+"))
    assert [p.code for p in envelope_problems(other.interchange, ["CPUHUB"])] == ["7"]
    assert envelope_problems(other.interchange, ["CPUHUB", "5412345000013"]) == []


def test_a_bare_message_names_no_recipient() -> None:
    bare = b"UNH" + RELEASE.split(b"UNH", 1)[1].rsplit(b"UNZ", 1)[0]
    assert envelope_problems(_unit(bare).interchange, ["CPUHUB"]) == []


def test_a_clean_unit_comes_back_as_it_was() -> None:
    unit = _unit()
    assert screen(unit, MSCBE, ["CPUHUB"]) is unit


def test_two_messages_sharing_a_reference_are_each_checked() -> None:
    message = b"UNH" + RELEASE.split(b"UNH", 1)[1].rsplit(b"UNZ", 1)[0]
    forged = message.replace(b"NAD+MS+MSCBE:160:ZZZ'", b"NAD+MS+OTHER:160:ZZZ'")
    head = RELEASE.split(b"UNH", 1)[0]
    unit = _unit(head + forged + message + b"UNZ+2+MSC0000001'")
    statuses = [m.status for m in screen(unit, MSCBE, ["CPUHUB"]).messages]
    assert statuses == [MapStatus.REJECTED, MapStatus.MAPPED]


def test_the_aliases_come_from_the_environment() -> None:
    env = {"HUB_HUB_ID": "CPUHUB", "HUB_HUB_ALIASES": " 5412345000013, CPU "}
    settings = Settings.from_env(env)
    assert settings.hub_alias_ids() == ("5412345000013", "CPU")
