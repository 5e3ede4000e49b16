"""Attacks on the envelope: a partner forging whom the interchange is for, who sent a message,
sending a test interchange to change live state, or hiding content after UNZ or behind a
broken UNA.

Each drives a real payload through the embedded hub (SQLite, in-process transport) and
asserts on what was stored and on the answer the sender finds in its queue."""

from __future__ import annotations

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub
from hub.service_layer.ports import Outgoing
from tests.unit.service.conftest import SAMPLES

CONTAINERS = ("MSCU1234566", "FCIU9908030")
RELEASE = (SAMPLES / "demo/01_release.edi").read_bytes()


def _send(hub: Hub, transport: InProcessTransport, body: bytes, user: str = "mscbe") -> None:
    transport.put(body, user, f"m-{len(transport.queue)}-{hash(body)}")
    hub.worker.drain()


def _answers(transport: InProcessTransport, party: str = "MSCBE") -> list[Outgoing]:
    return transport.on("hub.partner", party)


def _answer(transport: InProcessTransport, kind: str, party: str = "MSCBE") -> str:
    found = [m for m in _answers(transport, party) if m.message_type == kind]
    assert found, f"no {kind} in {[m.message_type for m in _answers(transport, party)]}"
    return found[-1].body.decode("latin-1")


def _nothing_released(hub: Hub) -> None:
    with hub.uow() as uow:
        for container in CONTAINERS:
            assert uow.files.get(container).right is None, f"{container} was released"


def _held_reasons(hub: Hub) -> list[str]:
    with hub.uow() as uow:
        return [q.reason for q in uow.quarantine.list("held")]


def _rejected_aperak(text: str) -> None:
    assert "BGM+313" in text and "ERC+1'" not in text, text


# the UNB recipient -------------------------------------------------------------------------


def test_an_interchange_for_another_recipient_is_refused_and_answered(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    _send(hub, transport, RELEASE.replace(b"+CPUHUB:ZZZ+", b"+OTHERHUB:ZZZ+"))
    _nothing_released(hub)
    contrl = _answer(transport, "CONTRL")
    assert "UCI+MSC0000001+MSCBE:ZZZ+OTHERHUB:ZZZ+4+7" in contrl, contrl
    aperak = _answer(transport, "APERAK")
    _rejected_aperak(aperak)
    assert "OTHERHUB" in aperak and "CPUHUB" in aperak, "names what came and what was expected"
    assert any("recipient" in r for r in _held_reasons(hub))


def test_an_empty_recipient_is_refused_too(embedded: tuple[Hub, InProcessTransport]) -> None:
    hub, transport = embedded
    _send(hub, transport, RELEASE.replace(b"+CPUHUB:ZZZ+", b"++"))
    _nothing_released(hub)
    _rejected_aperak(_answer(transport, "APERAK"))


def test_the_recipient_may_be_written_in_any_case(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    _send(hub, transport, RELEASE.replace(b"+CPUHUB:ZZZ+", b"+cpuhub:ZZZ+"))
    with hub.uow() as uow:
        assert uow.files.get(CONTAINERS[0]).right is not None


def _unb(text: str) -> list[str]:
    """The UNB of an answer, split into its elements."""
    return text.split("UNB+", 1)[1].split("'", 1)[0].split("+")


def test_answers_to_a_forged_envelope_go_from_the_hub_to_the_partner_it_came_from(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    """MSCBE claims to be MAERSKBE and writes to another hub: its answers are addressed to
    MSCBE (whose queue they land in) from this hub, never to or from the parties it named."""
    hub, transport = embedded
    forged = RELEASE.replace(b"+MSCBE:ZZZ+CPUHUB:ZZZ+", b"+MAERSKBE:ZZZ+OTHERHUB:ZZZ+")
    assert forged != RELEASE
    _send(hub, transport, forged)
    _nothing_released(hub)
    for kind in ("APERAK", "CONTRL"):
        answered = _answer(transport, kind)
        sender, recipient = _unb(answered)[1].split(":")[0], _unb(answered)[2].split(":")[0]
        assert (sender, recipient) == ("CPUHUB", "MSCBE"), (kind, _unb(answered))
    contrl = _answer(transport, "CONTRL")
    assert "UCI+MSC0000001+MAERSKBE:ZZZ+OTHERHUB:ZZZ+" in contrl, "the UCI names what came"


# the message-level sender (NAD+MS) ----------------------------------------------------------


def test_a_message_naming_another_party_as_its_sender_is_refused(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    forged = RELEASE.replace(b"NAD+MS+MSCBE:160:ZZZ'", b"NAD+MS+MAERSKBE:160:ZZZ'")
    _send(hub, transport, forged)
    _nothing_released(hub)
    aperak = _answer(transport, "APERAK")
    _rejected_aperak(aperak)
    assert "NAD MS" in aperak and "MAERSKBE" in aperak, aperak
    assert _held_reasons(hub), "kept for the operator"


def test_a_terminal_cannot_report_as_another_terminal(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    _send(hub, transport, RELEASE)
    gate_out = (SAMPLES / "demo/08_gate_out.edi").read_bytes()
    # MPET sends PSAT's gate-out under its own UNB: the NAD+MS still says PSAT
    forged = gate_out.replace(b"UNB+UNOC:3+PSAT:ZZZ", b"UNB+UNOC:3+MPET:ZZZ")
    _send(hub, transport, forged, user="mpet")
    with hub.uow() as uow:
        right = uow.files.get(CONTAINERS[0]).right
        assert right is not None and right.status.value != "picked_up"
    aperak = _answer(transport, "APERAK", "MPET")
    _rejected_aperak(aperak)
    assert "NAD MS" in aperak and "PSAT" in aperak, aperak


def test_a_message_sender_among_the_partners_identifiers_is_accepted(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    by_vat = RELEASE.replace(b"NAD+MS+MSCBE:160:ZZZ'", b"NAD+MS+BE0403238995:9:ZZZ'")
    _send(hub, transport, by_vat)
    with hub.uow() as uow:
        assert uow.files.get(CONTAINERS[0]).right is not None


# the test indicator (UNB 0035) ----------------------------------------------------------------


def test_a_test_interchange_changes_nothing_and_says_so(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    test = RELEASE.replace(b"+MSC0000001++COREOR'", b"+MSC0000001++COREOR++++1'")
    _send(hub, transport, test)
    _nothing_released(hub)
    assert transport.on("hub.partner", "FWDANT") == [], "nobody else hears of it"
    aperak = _answer(transport, "APERAK")
    _rejected_aperak(aperak)
    assert "test interchange not applied" in aperak
    assert "++++++1'" in aperak, "the answer to a test is a test interchange itself"
    contrl = _answer(transport, "CONTRL")
    assert "+4+25" in contrl, contrl


def test_the_same_interchange_sent_live_after_its_test_is_applied(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    _send(hub, transport, RELEASE.replace(b"+MSC0000001++COREOR'", b"+MSC0000001++COREOR++++1'"))
    _send(hub, transport, RELEASE.replace(b"+MSC0000001+", b"+MSC0000002+"))
    with hub.uow() as uow:
        assert uow.files.get(CONTAINERS[0]).right is not None


# content after UNZ, and a broken UNA ---------------------------------------------------------


def test_segments_after_unz_are_reported_not_dropped(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    _send(hub, transport, RELEASE + b"EQD+CN+TGHU1234561'RFF+BM:SMUGGLED'")
    _nothing_released(hub)
    aperak = _answer(transport, "APERAK")
    _rejected_aperak(aperak)
    assert "outside any message" in aperak
    assert any("outside any message" in r for r in _held_reasons(hub))


def test_garbage_after_unz_is_reported(embedded: tuple[Hub, InProcessTransport]) -> None:
    hub, transport = embedded
    _send(hub, transport, RELEASE + b"\nthis was not meant to be here")
    _nothing_released(hub)
    assert "BGM+313" in _answer(transport, "APERAK")


def test_a_broken_una_loses_nothing_silently(embedded: tuple[Hub, InProcessTransport]) -> None:
    hub, transport = embedded
    _send(hub, transport, RELEASE.replace(b"UNA:+.? '", b"UNA:+.'"))
    _nothing_released(hub)
    aperak = _answer(transport, "APERAK")
    _rejected_aperak(aperak)
    assert "UNA" in aperak
    assert any("UNA" in r for r in _held_reasons(hub))


def test_a_test_interchange_is_answered_with_what_its_messages_hold(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    test = RELEASE.replace(b"+MSC0000001++COREOR'", b"+MSC0000001++COREOR++++1'")
    _send(hub, transport, test.replace(b"EQD+CN+FCIU9908030", b"EQD+CN+FCIU9908031"))
    aperak = _answer(transport, "APERAK").replace(":", "")  # FTX text comes in 70-char parts
    assert "test interchange not applied" in aperak and "FCIU9908031" in aperak, aperak


def test_a_test_interchange_does_not_block_its_live_twin(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    """The inbox is live state too: a test must not make the live interchange with the same
    control reference a 'duplicate'."""
    hub, transport = embedded
    _send(hub, transport, RELEASE.replace(b"+MSC0000001++COREOR'", b"+MSC0000001++COREOR++++1'"))
    _send(hub, transport, RELEASE)
    with hub.uow() as uow:
        assert uow.files.get(CONTAINERS[0]).right is not None


# a replayed file ---------------------------------------------------------------------------------


def test_a_replayed_interchange_changes_nothing_and_gets_its_answers_again(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    _send(hub, transport, RELEASE)
    first = [(m.message_type, m.body) for m in _answers(transport) if m.message_type == "APERAK"]
    notified = len(_answers(transport, "FWDANT"))
    _send(hub, transport, RELEASE)
    again = [m for m in _answers(transport) if m.message_type == "APERAK"][len(first) :]
    assert [(m.message_type, m.body) for m in again] == first
    assert all(m.headers.get("x-hub-repeat") is True for m in again)
    assert len(_answers(transport, "FWDANT")) == notified, "no second transfer"
