"""Adversarial payload shapes: each generator makes a payload of about `size` bytes that
stresses one dimension of the parser (issue 13). The benchmark's worst-shape section runs each
through `read_units` at 10 MB; `tests/attacks/test_shapes.py` runs them small.

Every EDIFACT shape is a complete interchange from MSCBE to CPUHUB (a sample partner), so that
whatever gets past the parser reaches the mappers and the pipeline as a real message would.
"""

from __future__ import annotations

from collections.abc import Callable

from benchmarks.workload import containers
from hub.service_layer.intake import Limits

LIMITS = Limits()

UNA = "UNA:+.? '"
EQD = "EQD+CN+{}+45G1:102:5+++5'"


def _unb(version: str = "3", ctl: str = "IC1") -> str:
    return f"UNB+UNOC:{version}+MSCBE:ZZZ+CPUHUB:ZZZ+261123:0800+{ctl}++COREOR'"


def _coreor(ref: str, body: list[str]) -> str:
    head = [
        f"UNH+{ref}+COREOR:D:95B:UN:SMDG20'",
        f"BGM+129+REL{ref}+9'",
        f"RFF+RE:REL{ref}'",
        "LOC+11+BEANR:139:6+PSAT:TER:ZZZ'",
        "NAD+MS+MSCBE:160:ZZZ'",
        "NAD+FW+FWDANT:160:ZZZ'",
    ]
    segments = [*head, *body]
    return "".join(segments) + f"UNT+{len(segments) + 1}+{ref}'"


def _interchange(body: str, version: str = "3", count: int = 1) -> bytes:
    una = UNA.replace(" ", "*") if version == "4" else UNA  # a repetition separator for v4
    return (una + _unb(version) + body + f"UNZ+{count}+IC1'").encode("latin-1")


def _one_segment(filler: str, size: int, version: str = "3") -> bytes:
    """One COREOR whose FTX segment is `filler` repeated to about `size` bytes."""
    ftx = "FTX+AAA+++" + filler * max(1, size // len(filler)) + "'"
    return _interchange(_coreor("1", [ftx, EQD.format(containers(1)[0])]), version)


def released_terminators(size: int) -> bytes:
    """``?'`` over and over in one free text (the reported quadratic case)."""
    return _one_segment("?'", size)


def released_separators(size: int) -> bytes:
    """Released separators in many ordinary-length free texts (each segment takes the slow
    path that unescapes)."""
    ftx = "FTX+AAA+++" + "A?+B?:C??D" * 20 + "'"
    body = [ftx] * max(1, size // len(ftx))
    return _interchange(_coreor("1", [*body, EQD.format(containers(1)[0])]))


def release_run(size: int) -> bytes:
    """One even run of release characters (data, not escaping the terminator)."""
    return _one_segment("??", size)


def empty_elements(size: int) -> bytes:
    """One segment of millions of empty data elements (reported: 9.9 M took 7.7 s, 2.35 GB)."""
    return _one_segment("+", size)


def empty_components(size: int) -> bytes:
    return _one_segment(":", size)


def repetitions(size: int) -> bytes:
    """Millions of repetitions of one data element under syntax version 4."""
    ftx = "FTX+AAA+++" + "*" * size + "'"
    return _interchange(_coreor("1", [ftx, EQD.format(containers(1)[0])]), version="4")


def long_segment(size: int) -> bytes:
    """One free text of millions of characters, no separators."""
    return _one_segment("X", size)


def tiny_segments(size: int) -> bytes:
    """Millions of three-letter segments."""
    return _interchange(_coreor("1", ["ZZZ'"] * (size // 4)))


def empty_segments(size: int) -> bytes:
    """Millions of terminators with nothing between them."""
    return _interchange(_coreor("1", ["'" * size]))


def wide_segments(size: int) -> bytes:
    """Every segment at the element and component limits, in a part the COREOR mapper reads
    (LOC at message level)."""
    loc = "LOC+11+BEANR" + ":" * 98 + "+PSAT" + "+" * 96 + "'"
    return _interchange(_coreor("1", [loc] * max(1, size // len(loc))))


def eqd_lines(size: int) -> bytes:
    """One COREOR naming container after container (reported: 199,900 EQDs, 24 s, 753 MB)."""
    line = len(EQD.format("MSCU1234566"))
    return _interchange(_coreor("1", [EQD.format(c) for c in containers(size // line)]))


def many_messages(size: int) -> bytes:
    """Message after message in one interchange (reported: 60,000, 82 s, 591 MB)."""
    return coreor_messages(max(1, size // len(_coreor("1", [EQD.format("MSCU1234566")]))))


def coreor_messages(count: int) -> bytes:
    """One interchange of `count` COREOR messages, one container each."""
    items = containers(count)
    body = "".join(_coreor(str(n), [EQD.format(c)]) for n, c in enumerate(items, 1))
    return _interchange(body, count=len(items))


def many_interchanges(size: int) -> bytes:
    """Interchange after interchange in one payload."""
    one = _unb() + _coreor("1", [EQD.format("MSCU1234566")]) + "UNZ+1+IC1'"
    return (UNA + one * max(1, size // len(one))).encode("latin-1")


def una_flood(size: int) -> bytes:
    """Service string advices, nothing else."""
    return (UNA * (size // len(UNA))).encode("latin-1")


def released_una(size: int) -> bytes:
    """``?'UNA`` over and over: every one looks like a new interchange but is data."""
    return _one_segment("?'UNA", size)


def _padding(size: int) -> list[str]:
    """Free texts of at most about 500 characters making about `size` bytes (nothing the
    mappers read)."""
    words = "DISCHARGED IN GOOD ORDER NO DAMAGE NOTED AT QUAY "
    segments = []
    while size > 20:
        text = (words * 11)[: min(size, 500) - 11]
        segments.append(f"FTX+AAA+++{text}'")
        size -= len(segments[-1])
    return segments


def segments_at_limit(size: int) -> bytes:
    """Just under the segment limit, almost all of them three letters, padded to `size` with
    free texts of 90,000 characters (each segment costs the same, whatever its length)."""
    count = LIMITS.max_segments - 200
    rest = max(0, size - 4 * count)
    long = "FTX+AAA+++" + "X" * 90_000 + "'"
    return _interchange(_coreor("1", ["ZZZ'"] * count + [long] * (rest // len(long))))


def eqd_at_limit(size: int) -> bytes:
    """The most container lines a payload may hold (`max_containers`), in one COREOR, padded
    with free text to `size`: read and mapped."""
    lines = [EQD.format(c) for c in containers(LIMITS.max_containers)]
    return _interchange(_coreor("1", [*_padding(size - 34 * len(lines)), *lines]))


def messages_at_limit(size: int) -> bytes:
    """The most messages a payload may hold (`max_messages`), one container each, padded."""
    items = containers(LIMITS.max_messages)
    pad = _padding(size // len(items) - 250)
    body = "".join(_coreor(str(n), [*pad, EQD.format(c)]) for n, c in enumerate(items, 1))
    return _interchange(body, count=len(items))


def interchanges_at_limit(size: int) -> bytes:
    """The most interchanges a payload may hold (`max_interchanges`), a COREOR each, padded."""
    items = containers(LIMITS.max_interchanges)
    pad = _padding(size // len(items) - 400)
    body = "".join(
        _unb(ctl=f"IC{n}") + _coreor("1", [*pad, EQD.format(c)]) + f"UNZ+1+IC{n}'"
        for n, c in enumerate(items, 1)
    )
    return (UNA + body).encode("latin-1")


def releases_at_limit(size: int) -> bytes:
    """Just under the release character limit, in free texts of about 1,000 characters, padded."""
    ftx = "FTX+AAA+++" + "A?'B?+" * 160 + "'"
    body = [ftx] * 300 + _padding(size - 300 * len(ftx))
    return _interchange(_coreor("1", [*body, EQD.format(containers(1)[0])]))


def _xml(body: str, root_attributes: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<TerminalEventReport xmlns="urn:hub:terminal:1"{root_attributes}>'
        "<header><messageId>X1</messageId><sender><identificationType>Apcs"
        "</identificationType><identificationCode>PSAT01</identificationCode></sender>"
        "<timestamp>2024-03-02T08:00:00+01:00</timestamp></header>"
        f"<terminalCode>PSAT</terminalCode>{body}</TerminalEventReport>"
    ).encode()


def xml_elements(size: int) -> bytes:
    return _xml("<x/>" * (size // 4))


def xml_attributes(size: int) -> bytes:
    return _xml("", "".join(f' a{n}="1"' for n in range(size // 12)))


def xml_namespaces(size: int) -> bytes:
    return _xml("", "".join(f' xmlns:n{n}="u:{n}"' for n in range(size // 26)))


def xml_text(size: int) -> bytes:
    return _xml("<event><eventType>" + "x" * size + "</eventType></event>")


def xml_attribute_value(size: int) -> bytes:
    return _xml("", f' a="{"x" * size}"')


def xml_deep(size: int) -> bytes:
    """Chains nested to just under the depth limit, as many as the element limit allows, the
    rest of the size as text in their leaves (each under the text limit)."""
    depth = LIMITS.max_xml_depth - 2
    chains = (LIMITS.max_xml_elements - 20) // depth
    leaf = "x" * max(0, min(LIMITS.max_xml_text, (size - 16 * depth * chains) // chains))
    return _xml(("<event>" * depth + leaf + "</event>" * depth) * chains)


def xml_wide(size: int) -> bytes:
    """Just under the element limit, all siblings (one validation error each), with text."""
    count = LIMITS.max_xml_elements - 20
    return _xml(f"<x>{'y' * max(1, size // count - 8)}</x>" * count)


Shape = Callable[[int], bytes]

EDIFACT_SHAPES: dict[str, Shape] = {
    "released_terminators": released_terminators,
    "released_separators": released_separators,
    "release_run": release_run,
    "empty_elements": empty_elements,
    "empty_components": empty_components,
    "repetitions": repetitions,
    "long_segment": long_segment,
    "tiny_segments": tiny_segments,
    "empty_segments": empty_segments,
    "wide_segments": wide_segments,
    "eqd_lines": eqd_lines,
    "many_messages": many_messages,
    "many_interchanges": many_interchanges,
    "una_flood": una_flood,
    "released_una": released_una,
    "segments_at_limit": segments_at_limit,
    "eqd_at_limit": eqd_at_limit,
    "messages_at_limit": messages_at_limit,
    "interchanges_at_limit": interchanges_at_limit,
    "releases_at_limit": releases_at_limit,
}
XML_SHAPES: dict[str, Shape] = {
    "xml_elements": xml_elements,
    "xml_attributes": xml_attributes,
    "xml_namespaces": xml_namespaces,
    "xml_text": xml_text,
    "xml_attribute_value": xml_attribute_value,
    "xml_deep": xml_deep,
    "xml_wide": xml_wide,
}
SHAPES: dict[str, Shape] = {**EDIFACT_SHAPES, **XML_SHAPES}
XML_SIZE = 990_000
"""XML shapes are made just under the XML size limit (1 MB): a larger document is refused by
its size alone, before anything else."""


def make(name: str, size: int) -> bytes:
    """The payload of shape `name` at about `size` bytes (XML shapes at most `XML_SIZE`)."""
    if name in XML_SHAPES:
        size = min(size, XML_SIZE)
    payload = SHAPES[name](size)
    for _ in range(3):  # the envelope and rounding add a little: aim below `size`
        if len(payload) <= size:
            break
        payload = SHAPES[name](2 * size - len(payload) - 1024)
    return payload
