"""Attacks on authority: a partner tries to decide what only another party may decide.

Real payloads go through `handle_inbound` on an embedded hub (SQLite). Each attack asserts the
forged action is refused with a clear answer to the sender, that nothing of the other party's
state changed (lights, stored customs statuses, B/L links, the chain), and that the audit
trail records the refusal.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub, build
from hub.config import Settings
from hub.domain.model import ContainerFile
from hub.domain.partners import Partner, Status
from hub.domain.values import Colour, CustomsStatus, LightName
from hub.entrypoints.partners_file import load_partners_file
from hub.service_layer.pipeline import Outcome
from tests.unit.service.test_money_support import (
    SAMPLES,
    Clock,
    audit_rows,
    coreor,
    deliver,
    make_hub,
    play,
    sample,
    set_status,
)

BOX = "MSCU1234566"
RELEASE = "MSCREL20261123"
OTHER_AGENT = Partner(
    "CMACGM",
    "CMA CGM Belgium NV",
    vat="BE0414000097",
    eori="BE0414000097",
    country="BE",
    roles=frozenset({"ship_agent"}),
    status=Status.ACTIVE,
    edi_ids=(("CMACGM", "ZZZ"),),
    broker_user="cmacgm",
)
OTHER_BL = "CMAU00112233"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def hub(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Hub, InProcessTransport]]:
    """The sample partners and CMACGM (another ship agent), on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        the_hub, transport = make_hub(tmp_path, Clock())
    else:
        transport = InProcessTransport()
        url = request.getfixturevalue("own_pg_url")
        the_hub = build(Settings(database_url=url), transport=transport, clock=Clock())
        with the_hub.uow() as uow:
            for partner in load_partners_file(SAMPLES / "partners.yaml"):
                uow.partners.save(partner)
            uow.commit()
    with the_hub.uow() as uow:
        uow.partners.save(OTHER_AGENT)
        uow.commit()
    yield the_hub, transport
    the_hub.close()


# --- payloads ---------------------------------------------------------------------------------


def customs_xml(sender_eori: str, message_id: str, bill: str = "MEDUAN123456") -> bytes:
    """The demo's customs report for one B/L, sent as `sender_eori`."""
    text = sample("demo/05_customs.xml").decode()
    text = text.replace("BE0234567873", sender_eori).replace("CUS-0001", message_id)
    first, _, rest = text.partition("  <billOfLadingStatus>\n    <billOfLadingNumber>MEDUAN123457")
    closing = rest[rest.index("</CustomsStatusReport>") :]
    return (first + closing).replace("MEDUAN123456", bill).encode()


def cusres(sender: str, control: str) -> bytes:
    """A CUSRES release of B/L MEDUAB123456 / container MSCU1234566, sent as `sender`."""
    text = sample("edifact/CUSRES_D99B_release.edi").decode()
    return text.replace("BECUSTOMS", sender).replace("BC00000042", control).encode()


def cuscar(agent: str, control: str, bill: str) -> bytes:
    """The sample manifest from `agent`, linking `bill` to MSCU1234566 (and another box)."""
    text = sample("edifact/CUSCAR_D95B_manifest.edi").decode()
    text = text.replace("MSCBE", agent).replace("MSC0000100", control)
    return text.replace("MEDUAB123456", bill).encode()


def coarri(terminal: str, control: str, named: str = "") -> bytes:
    """The demo's discharge report from `terminal`, naming terminal `named` (default: itself)."""
    text = sample("demo/06_discharge.edi").decode()
    text = text.replace("UNB+UNOC:3+PSAT:ZZZ", f"UNB+UNOC:3+{terminal}:ZZZ")
    text = text.replace("+PSAT:TER:ZZZ", f"+{named or terminal}:TER:ZZZ")
    return text.replace("PSAT000001", control).encode()


def release_without_bl(agent: str = "MSCBE", control: str = "REL1", to: str = "FWDANT") -> bytes:
    """A COREOR releasing MSCU1234566 at PSAT with no B/L (customs then clears by container)."""
    text = coreor(control, RELEASE, "9", (BOX,)).replace("NAD+FW+FWDANT", f"NAD+FW+{to}")
    return text.replace("MSCBE", agent).encode()


def transfer_to(vat: str, message_id: str) -> bytes:
    text = sample("demo/03_transfer.xml").decode().replace("BE0876543270", vat)
    return text.replace("FWD-0002", message_id).encode()


# --- what the hub holds, and what it answered -------------------------------------------------


def file_of(hub: Hub, container: str = BOX) -> ContainerFile:
    with hub.uow() as uow:
        return uow.files.get(container)


def light(hub: Hub, name: LightName, container: str = BOX) -> Colour:
    return file_of(hub, container).lights()[name].colour


def bl_status(hub: Hub, bill: str) -> CustomsStatus | None:
    with hub.uow() as uow:
        return uow.files.bl_status(bill)


def answer(transport: InProcessTransport, party: str) -> str:
    """Every message the hub sent to `party` (APERAK / CONTRL / XML acks), newest last, with
    EDIFACT texts read back whole (FTX splits a text into 70-character components)."""
    return "\n".join(_readable(m.body.decode()) for m in transport.on("hub.partner", party))


def _readable(body: str) -> str:
    if body.lstrip().startswith("<"):
        return body
    kept = body.replace("?:", "\x00").replace(":", "").replace("\x00", ":")
    return kept.replace("?+", "+").replace("?'", "'").replace("??", "?")


def refused_for(hub: Hub, actor: str) -> list[str]:
    """The reasons of the refusals the audit trail records for `actor`."""
    rows = audit_rows(hub, "ActionRefused")
    return [str(r.details.get("reason", "")) for r in rows if r.actor.startswith(actor)]


def assert_refused(outcome: Outcome, reason: str) -> None:
    assert outcome.status == "rejected", outcome
    assert any(reason in str(p) for p in outcome.problems), outcome.problems


# --- customs statuses only from customs -------------------------------------------------------


def test_a_transport_operators_customs_release_is_refused_and_never_counts(
    hub: tuple[Hub, InProcessTransport],
) -> None:
    the_hub, transport = hub
    forged = deliver(the_hub, customs_xml("BE0876543270", "TRK-CUS-1"), "truckco", "t1")

    assert_refused(forged, "only customs may report a customs status")
    assert "rejected" in answer(transport, "TRUCKCO").lower()
    assert "only customs may report a customs status" in answer(transport, "TRUCKCO")
    assert bl_status(the_hub, "MEDUAN123456") is None
    assert refused_for(the_hub, "TRUCKCO") == ["only customs may report a customs status"]
    play(the_hub, (("demo/01_release.edi", "mscbe"),))
    assert light(the_hub, LightName.CUSTOMS) is Colour.GREY


def test_a_forged_clearance_of_a_released_containers_bl_changes_nothing(
    hub: tuple[Hub, InProcessTransport],
) -> None:
    the_hub, transport = hub
    play(the_hub, (("demo/01_release.edi", "mscbe"),))

    forged = deliver(the_hub, customs_xml("BE0876543270", "TRK-CUS-2"), "truckco", "t2")

    assert_refused(forged, "only customs may report a customs status")
    assert bl_status(the_hub, "MEDUAN123456") is None
    assert file_of(the_hub).customs_bl == {}
    assert light(the_hub, LightName.CUSTOMS) is Colour.GREY
    said = answer(transport, "TRUCKCO")
    assert "MEDUAN123456" in said and "FCIU9908030" not in said  # no B/L's containers leak


def test_a_cusres_from_the_agent_is_refused_and_leaves_no_status(
    hub: tuple[Hub, InProcessTransport],
) -> None:
    the_hub, transport = hub
    play(the_hub, (("demo/01_release.edi", "mscbe"),))
    before = file_of(the_hub)

    forged = deliver(the_hub, cusres("MSCBE", "FORGED01"), "mscbe", "c1")

    assert_refused(forged, "only customs may report a customs status")
    assert "only customs may report a customs status" in answer(transport, "MSCBE")
    assert bl_status(the_hub, "MEDUAB123456") is None
    after = file_of(the_hub)
    assert (after.customs_bl, after.customs_container) == (before.customs_bl, CustomsStatus.UNKNOWN)
    assert refused_for(the_hub, "MSCBE")


def test_customs_own_report_still_counts(hub: tuple[Hub, InProcessTransport]) -> None:
    the_hub, _ = hub
    play(the_hub, (("demo/01_release.edi", "mscbe"), ("demo/05_customs.xml", "becustoms")))
    assert bl_status(the_hub, "MEDUAN123456") is CustomsStatus.RELEASED
    assert light(the_hub, LightName.CUSTOMS) is Colour.GREEN


# --- only active partners act ------------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.REQUESTED, Status.DENIED, Status.SUSPENDED])
def test_an_agent_that_is_not_active_cannot_release(
    hub: tuple[Hub, InProcessTransport], status: Status
) -> None:
    the_hub, transport = hub
    set_status(the_hub, "MSCBE", status)

    outcome = deliver(the_hub, sample("demo/01_release.edi"), "mscbe", "r1")

    assert_refused(outcome, f"is not active (status {status})")
    assert f"is not active (status {status})" in answer(transport, "MSCBE")
    assert file_of(the_hub).right is None
    assert all(f"(status {status})" in r for r in refused_for(the_hub, "MSCBE"))
    assert len(refused_for(the_hub, "MSCBE")) == 2  # one per container


@pytest.mark.parametrize("status", [Status.REQUESTED, Status.SUSPENDED])
def test_customs_and_terminals_that_are_not_active_change_no_light(
    hub: tuple[Hub, InProcessTransport], status: Status
) -> None:
    the_hub, transport = hub
    play(the_hub, (("demo/01_release.edi", "mscbe"),))
    set_status(the_hub, "BECUSTOMS", status)
    set_status(the_hub, "PSAT", status)

    cleared = deliver(the_hub, sample("demo/05_customs.xml"), "becustoms", "c1")
    discharged = deliver(the_hub, sample("demo/06_discharge.edi"), "psat", "d1")

    for outcome in (cleared, discharged):
        assert_refused(outcome, f"is not active (status {status})")
    assert "is not active" in answer(transport, "BECUSTOMS")
    assert "is not active" in answer(transport, "PSAT")
    assert bl_status(the_hub, "MEDUAN123456") is None
    assert light(the_hub, LightName.CUSTOMS) is Colour.GREY
    assert light(the_hub, LightName.TERMINAL) is Colour.GREY
    assert refused_for(the_hub, "BECUSTOMS") and refused_for(the_hub, "PSAT")


def test_a_suspended_forwarder_cannot_accept(hub: tuple[Hub, InProcessTransport]) -> None:
    the_hub, transport = hub
    play(the_hub, (("demo/01_release.edi", "mscbe"),))
    set_status(the_hub, "FWDANT", Status.SUSPENDED)

    outcome = deliver(the_hub, sample("demo/02_accept.xml"), "fwdant", "a1")

    assert_refused(outcome, "is not active (status suspended)")
    assert "is not active (status suspended)" in answer(transport, "FWDANT")
    right = file_of(the_hub).right
    assert right is not None and right.holder == "MSCBE" and right.pending is not None


def _on_behalf(body: bytes, org_eori: str) -> bytes:
    """`body` as the release platform SCR sends it for the organisation `org_eori`."""
    text = body.decode()
    sender_end = text.index("</sender>") + len("</sender>")
    head = text[:sender_end]
    head = head[: head.rindex("<identificationCode>")] + (
        "<identificationCode>BE0712345630</identificationCode>\n    </sender>"
    )
    on_behalf = (
        "\n    <onBehalfOf>\n      <identificationType>Eori</identificationType>\n"
        f"      <identificationCode>{org_eori}</identificationCode>\n    </onBehalfOf>"
    )
    return (head + on_behalf + text[sender_end:]).encode()


def test_a_platform_cannot_act_for_a_suspended_organisation(
    hub: tuple[Hub, InProcessTransport],
) -> None:
    the_hub, transport = hub
    play(the_hub, (("demo/01_release.edi", "mscbe"),))
    set_status(the_hub, "FWDANT", Status.SUSPENDED)

    outcome = deliver(the_hub, _on_behalf(sample("demo/02_accept.xml"), "BE0456789034"), "scr")

    assert_refused(outcome, "is not active (status suspended)")
    assert "is not active (status suspended)" in answer(transport, "SCR")
    right = file_of(the_hub).right
    assert right is not None and right.holder == "MSCBE"
    assert refused_for(the_hub, "FWDANT via SCR")


def test_a_platform_is_bound_by_its_organisations_roles(
    hub: tuple[Hub, InProcessTransport],
) -> None:
    the_hub, transport = hub
    forged = _on_behalf(customs_xml("BE0712345630", "SCR-CUS-1"), "BE0456789034")

    outcome = deliver(the_hub, forged, "scr", "s1")

    assert_refused(outcome, "only customs may report a customs status")
    assert "only customs may report a customs status" in answer(transport, "SCR")
    assert bl_status(the_hub, "MEDUAN123456") is None


# --- terminal facts only from the terminal where the container is ----------------------------


def test_another_terminals_discharge_before_the_release_does_not_turn_it_green(
    hub: tuple[Hub, InProcessTransport],
) -> None:
    the_hub, _ = hub
    assert deliver(the_hub, coarri("MPET", "MPET000001"), "mpet", "m1").status == "applied"

    play(the_hub, (("demo/01_release.edi", "mscbe"),))  # released at PSAT

    assert light(the_hub, LightName.TERMINAL) is Colour.GREY
    play(the_hub, (("demo/06_discharge.edi", "psat"),))
    assert light(the_hub, LightName.TERMINAL) is Colour.GREEN


@pytest.mark.parametrize(
    ("named", "reason"),
    [
        ("MPET", f"container {BOX} is released at terminal PSAT"),
        ("PSAT", "terminal PSAT is not operated by the sender"),
    ],
)
def test_another_terminals_discharge_after_the_release_is_refused(
    hub: tuple[Hub, InProcessTransport], named: str, reason: str
) -> None:
    the_hub, transport = hub
    play(the_hub, (("demo/01_release.edi", "mscbe"),))

    outcome = deliver(the_hub, coarri("MPET", "MPET000002", named), "mpet", "m2")

    assert_refused(outcome, reason)
    assert reason in answer(transport, "MPET")
    assert light(the_hub, LightName.TERMINAL) is Colour.GREY
    assert reason in refused_for(the_hub, "MPET")


def terminal_xml(sender_eori: str, message_id: str, terminal: str, event: str) -> bytes:
    """A TerminalEventReport with one event for MSCU1234566 at `terminal`."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<TerminalEventReport xmlns="urn:hub:terminal:1">
  <header>
    <messageId>{message_id}</messageId>
    <sender>
      <identificationType>Eori</identificationType>
      <identificationCode>{sender_eori}</identificationCode>
    </sender>
    <timestamp>2026-11-02T08:00:00Z</timestamp>
  </header>
  <terminalCode>{terminal}</terminalCode>
  <portLoCode>BEANR</portLoCode>
  <event>
    <eventType>{event}</eventType>
    <equipmentNumber>{BOX}</equipmentNumber>
  </event>
</TerminalEventReport>
""".encode()


@pytest.mark.parametrize("event", ["discharge", "terminalRelease", "gateOut"])
def test_another_terminals_xml_report_naming_the_release_terminal_is_refused(
    hub: tuple[Hub, InProcessTransport], event: str
) -> None:
    the_hub, transport = hub
    play(the_hub, (("demo/01_release.edi", "mscbe"),))
    before = file_of(the_hub)

    outcome = deliver(the_hub, terminal_xml("BE0567890161", "MPET-X1", "PSAT", event), "mpet")

    reason = "terminal PSAT is not operated by the sender"
    assert_refused(outcome, reason)
    assert reason in answer(transport, "MPET")
    after = file_of(the_hub)
    assert (after.terminal_facts, after.right) == (before.terminal_facts, before.right)
    assert reason in refused_for(the_hub, "MPET")


def test_the_release_terminals_xml_report_counts(hub: tuple[Hub, InProcessTransport]) -> None:
    the_hub, _ = hub
    play(the_hub, (("demo/01_release.edi", "mscbe"),))
    report = terminal_xml("BE0345678997", "PSAT-X1", "PSAT", "discharge")
    assert deliver(the_hub, report, "psat").status == "applied"
    assert light(the_hub, LightName.TERMINAL) is Colour.GREEN


# --- B/L links only from the agent that released the container, or customs --------------------


def test_another_agents_bl_link_is_refused_and_its_clearance_does_not_count(
    hub: tuple[Hub, InProcessTransport],
) -> None:
    the_hub, transport = hub
    assert deliver(the_hub, release_without_bl(), "mscbe", "r1").status == "applied"

    linked = deliver(the_hub, cuscar("CMACGM", "CMA0000001", OTHER_BL), "cmacgm", "l1")
    cleared = deliver(the_hub, customs_xml("BE0234567873", "CUS-9", OTHER_BL), "becustoms")

    reason = f"only the agent that released container {BOX}, or customs, may link B/Ls to it"
    assert linked.status in ("rejected", "partial")
    assert any(reason in str(p) for p in linked.problems)
    assert reason in answer(transport, "CMACGM")
    assert cleared.status == "applied"
    assert OTHER_BL not in file_of(the_hub).bills_of_lading()
    assert light(the_hub, LightName.CUSTOMS) is Colour.GREY
    assert reason in refused_for(the_hub, "CMACGM")


def test_another_agents_link_before_the_release_does_not_count(
    hub: tuple[Hub, InProcessTransport],
) -> None:
    the_hub, _ = hub
    deliver(the_hub, cuscar("CMACGM", "CMA0000002", OTHER_BL), "cmacgm", "l2")
    deliver(the_hub, customs_xml("BE0234567873", "CUS-10", OTHER_BL), "becustoms")

    assert deliver(the_hub, release_without_bl(), "mscbe", "r2").status == "applied"

    assert OTHER_BL not in file_of(the_hub).bills_of_lading()
    assert light(the_hub, LightName.CUSTOMS) is Colour.GREY


def test_the_releasing_agents_own_link_counts(hub: tuple[Hub, InProcessTransport]) -> None:
    the_hub, _ = hub
    assert deliver(the_hub, release_without_bl(), "mscbe", "r3").status == "applied"
    assert deliver(the_hub, cuscar("MSCBE", "MSC0000101", OTHER_BL), "mscbe").status == "applied"
    deliver(the_hub, customs_xml("BE0234567873", "CUS-11", OTHER_BL), "becustoms")

    assert OTHER_BL in file_of(the_hub).bills_of_lading()
    assert light(the_hub, LightName.CUSTOMS) is Colour.GREEN


# --- the agent acts only on its own releases ---------------------------------------------------


def test_another_agent_cannot_cancel_a_release(hub: tuple[Hub, InProcessTransport]) -> None:
    the_hub, transport = hub
    assert deliver(the_hub, release_without_bl(), "mscbe", "r4").status == "applied"
    cancel = coreor("CMA0000003", RELEASE, "1", (BOX,)).replace("MSCBE", "CMACGM")

    outcome = deliver(the_hub, cancel, "cmacgm", "x1")

    reason = "only the agent that released the container may change its release"
    assert_refused(outcome, reason)
    assert reason in answer(transport, "CMACGM")
    right = file_of(the_hub).right
    assert right is not None and right.status.value == "released" and right.agent == "MSCBE"
    assert reason in refused_for(the_hub, "CMACGM")


# --- only receiving roles hold a right --------------------------------------------------------


@pytest.mark.parametrize("to", ["PSAT", "BECUSTOMS", "CMACGM"])
def test_a_release_to_a_party_that_may_not_hold_a_right_is_refused(
    hub: tuple[Hub, InProcessTransport], to: str
) -> None:
    the_hub, transport = hub

    outcome = deliver(the_hub, release_without_bl(to=to), "mscbe", "r5")

    reason = f"party {to} is no release party or transport operator"
    assert_refused(outcome, reason)
    assert reason in answer(transport, "MSCBE")
    assert file_of(the_hub).right is None
    assert reason in refused_for(the_hub, "MSCBE")


def test_the_agent_may_release_to_itself(hub: tuple[Hub, InProcessTransport]) -> None:
    the_hub, _ = hub
    assert deliver(the_hub, release_without_bl(to="MSCBE"), "mscbe", "r6").status == "applied"


@pytest.mark.parametrize(("to", "vat"), [("PSAT", "BE0345678997"), ("BECUSTOMS", "BE0234567873")])
def test_a_transfer_to_a_terminal_or_customs_is_refused(
    hub: tuple[Hub, InProcessTransport], to: str, vat: str
) -> None:
    the_hub, transport = hub
    play(the_hub, (("demo/01_release.edi", "mscbe"), ("demo/02_accept.xml", "fwdant")))

    outcome = deliver(the_hub, transfer_to(vat, "FWD-X"), "fwdant", "t1")

    reason = f"party {to} is no release party or transport operator"
    assert_refused(outcome, reason)
    assert reason in answer(transport, "FWDANT")
    right = file_of(the_hub).right
    assert right is not None and right.holder == "FWDANT" and right.pending is None
    assert reason in refused_for(the_hub, "FWDANT")
