"""Safe XML parsing: size → DOCTYPE → well-formedness → depth → schema → plain tree.

Each step is a guard that raises one of the hub's permanent errors with a clear reason:

1. size, before anything is parsed (`InputTooLarge`);
2. any DOCTYPE or ENTITY declaration is refused outright (`SyntaxRejected`): no DTD is ever
   loaded, so entity expansion (billion laughs) and external entities (XXE to a file or the
   network) cannot happen. The byte scan is deliberately coarse (it also refuses the words inside
   a comment or CDATA section) and covers UTF-8/16/32. The parser is configured defensively as
   well (no entity resolution, no network, no DTD loading, no huge trees), and the parsed tree
   is checked again for a DTD;
3. well-formedness by lxml (`SyntaxRejected` with line and column);
4. the document's shape (`InputTooLarge`, see `limits`): the count of ``<`` before parsing,
   then depth, elements, attributes, text lengths and namespaces on the tree;
5. XSD validation by the root's namespace (`SchemaRejected`, `UnsupportedMessage`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from lxml import etree

from hub.domain.values import PartyRef
from hub.errors import InputTooLarge, Problem, SyntaxRejected
from hub.parsing.xml.document import XmlDocument, XmlNode, parse_timestamp
from hub.parsing.xml.limits import DEFAULT_XML_LIMITS, XmlLimits, check_markup, check_tree
from hub.parsing.xml.lxmlview import LogEntry, has_dtd, log_entries
from hub.parsing.xml.schemas import validate
from hub.parsing.xml.tree import local_name, to_node

_DECLARATIONS = ("<!DOCTYPE", "<!ENTITY")
_ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
_MARKERS = tuple(d.encode(e) for d in _DECLARATIONS for e in _ENCODINGS)
_BOMS = {b"\xef\xbb\xbf": "utf-8", b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}
_DTD_REASON = "XML document type declarations (DOCTYPE / ENTITY) are not accepted"


def looks_like_xml(payload: bytes) -> bool:
    """True when the payload starts (after a BOM and blanks) with ``<``."""
    head = payload[:256]
    for bom, encoding in _BOMS.items():
        if head.startswith(bom):
            return head[len(bom) :].decode(encoding, "ignore").lstrip().startswith("<")
    return head.lstrip().startswith(b"<")


def parse_xml(
    payload: bytes,
    *,
    max_bytes: int | None = None,
    max_depth: int | None = None,
    limits: XmlLimits = DEFAULT_XML_LIMITS,
) -> XmlDocument:
    """Parse, check and validate one XML document; raises `PermanentError` subclasses.

    `max_bytes` and `max_depth`, when given, override those of `limits`."""
    if max_bytes is not None or max_depth is not None:
        limits = replace(
            limits,
            max_bytes=limits.max_bytes if max_bytes is None else max_bytes,
            max_depth=limits.max_depth if max_depth is None else max_depth,
        )
    _check_size(payload, limits.max_bytes)
    _refuse_declarations(payload)
    check_markup(payload, limits)
    root = _parse(payload)
    check_tree(root, limits)
    validate(root)
    return _document(root)


def _check_size(payload: bytes, max_bytes: int) -> None:
    if len(payload) > max_bytes:
        reason = f"XML document of {len(payload)} bytes exceeds the limit of {max_bytes} bytes"
        raise InputTooLarge(reason, (Problem(reason),))


def _refuse_declarations(payload: bytes) -> None:
    """Refuse DOCTYPE / ENTITY in any case and in UTF-8/16/32, before the parser sees them."""
    upper = payload.upper()
    for marker in _MARKERS:
        at = upper.find(marker)
        if at >= 0:
            line = upper[:at].count(b"\n") + 1 if marker.startswith(b"<!") else 0  # UTF-8 only
            raise SyntaxRejected(_DTD_REASON, (_dtd_problem(line),))


def _dtd_problem(line: int = 0) -> Problem:
    text = (
        "DOCTYPE and ENTITY declarations are refused: the hub never loads DTDs or "
        "entities (entity expansion, external entities)"
    )
    return Problem(text, code="15", line=line)


def _parse(payload: bytes) -> etree._Element:
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(payload, parser)
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc, log_entries(parser.error_log)) from exc
    if has_dtd(root):
        raise SyntaxRejected(_DTD_REASON, (_dtd_problem(),))
    return root


def _syntax_error(
    exc: etree.XMLSyntaxError, entries: list[LogEntry]
) -> SyntaxRejected | InputTooLarge:
    """The parser's own log (not lxml's thread-wide one) as problems with line and column."""
    problems = tuple(
        Problem(f"{e.message} (column {e.column})", line=e.line) for e in entries[:20]
    ) or (Problem(str(exc)),)
    if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in entries):
        return InputTooLarge("XML document exceeds a parser limit (nesting or size)", problems)
    return SyntaxRejected("XML document is not well-formed", problems)


def _document(root: etree._Element) -> XmlDocument:
    tree = to_node(root)
    return XmlDocument(
        namespace=etree.QName(root).namespace or "",
        root_name=local_name(root),
        message_id=tree.text_at("header/messageId"),
        sender=_sender(tree.find("header/sender")),
        timestamp=_timestamp(tree.text_at("header/timestamp")),
        tree=tree,
        on_behalf_of=_sender(tree.find("header/onBehalfOf")),
    )


def _sender(node: XmlNode | None) -> PartyRef | None:
    if node is None:
        return None
    return PartyRef(node.text_at("identificationCode"), node.text_at("identificationType"))


def _timestamp(text: str) -> datetime | None:
    try:
        return parse_timestamp(text) if text else None
    except ValueError:
        return None
