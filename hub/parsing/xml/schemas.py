"""XSD validation by namespace: the root element's namespace picks the schema in ``schemas/``.

Every ``schemas/*.xsd`` with a ``targetNamespace`` is compiled once, on first use, and cached.
Files without one (``common-1.xsd``) are chameleon includes and are not looked up directly.
Validation problems carry the line and a readable element path.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from lxml import etree

from hub.errors import Problem, SchemaRejected, UnsupportedMessage
from hub.parsing.xml.lxmlview import LogEntry, log_entries, source_line
from hub.parsing.xml.tree import readable_path

SCHEMA_DIR = Path(__file__).resolve().parents[3] / "schemas"
MAX_PROBLEMS = 50
_XSD = "{http://www.w3.org/2001/XMLSchema}"
_NAMESPACE_NOISE = re.compile(r"\{[A-Za-z][A-Za-z0-9+.\-]*:[^}]*\}")  # {urn:hub:...}name


@dataclass(frozen=True)
class _Validator:
    """A compiled schema; its error log is shared, so validation is serialised per schema."""

    path: Path
    schema: etree.XMLSchema
    lock: threading.Lock


def _load(path: Path) -> tuple[str, _Validator] | None:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    tree = etree.parse(str(path), parser)
    namespace = tree.getroot().get("targetNamespace")
    if tree.getroot().tag != f"{_XSD}schema" or not namespace:
        return None
    return namespace, _Validator(path, etree.XMLSchema(tree), threading.Lock())


@functools.cache
def _catalogue() -> dict[str, _Validator]:
    loaded = (_load(path) for path in sorted(SCHEMA_DIR.glob("*.xsd")))
    return dict(entry for entry in loaded if entry)


def namespaces() -> tuple[str, ...]:
    """The namespaces the hub has a schema for, sorted."""
    return tuple(sorted(_catalogue()))


def schema_file(namespace: str) -> Path | None:
    """The XSD file that defines `namespace`, or None."""
    validator = _catalogue().get(namespace)
    return validator.path if validator else None


def validate(root: etree._Element) -> None:
    """Check `root` against its namespace's schema; raise the hub's errors when it fails."""
    qname = etree.QName(root)
    validator = _catalogue().get(qname.namespace or "")
    if validator is None:
        raise _unsupported(root, qname)
    with validator.lock:
        if validator.schema.validate(root):
            return
        problems = _problems(root, validator.schema.error_log)
    problems = _of_document(problems, root)
    raise SchemaRejected(
        f"<{qname.localname}> is not valid against {validator.path.name}", problems
    )


def _unsupported(root: etree._Element, qname: etree.QName) -> UnsupportedMessage:
    where = f"namespace {qname.namespace}" if qname.namespace else "no namespace"
    reason = (
        f"unsupported XML document: root element <{qname.localname}> has {where}; "
        f"the hub reads {', '.join(namespaces())}"
    )
    problem = Problem(
        f"no hub schema for {where}", code="15", line=source_line(root), path=f"/{qname.localname}"
    )
    return UnsupportedMessage(reason, _of_document((problem,), root))


def document_id(root: etree._Element) -> str:
    """The document's own ``header/messageId`` (any namespace), '' when it has none: what an
    answer to a document that failed its schema names as the original."""
    header = _child(root, "header")
    found = _child(header, "messageId") if header is not None else None
    return (found.text or "").strip() if found is not None else ""


def _child(parent: etree._Element, local: str) -> etree._Element | None:
    """The first child element named `local` in any namespace (comments skipped)."""
    return next(
        (c for c in parent if isinstance(c.tag, str) and etree.QName(c).localname == local), None
    )


def _of_document(problems: tuple[Problem, ...], root: etree._Element) -> tuple[Problem, ...]:
    """`problems` with `message_ref` set to the document's own messageId, when it has one."""
    ref = document_id(root)
    return (
        tuple(replace(p, message_ref=p.message_ref or ref) for p in problems) if ref else problems
    )


def _problems(root: etree._Element, log: object) -> tuple[Problem, ...]:
    return tuple(_problem(root, entry) for entry in log_entries(log, MAX_PROBLEMS))


def _problem(root: etree._Element, entry: LogEntry) -> Problem:
    message = _NAMESPACE_NOISE.sub("", entry.message)
    return Problem(message, code=_code(entry), line=entry.line, path=_path(root, entry.path))


def _code(entry: LogEntry) -> str:
    """UN/EDIFACT 0085 code: 13 missing, 15 not supported in this position, 12 invalid value."""
    if entry.type_name != "SCHEMAV_ELEMENT_CONTENT":
        return "12"
    return "13" if "Missing child" in entry.message else "15"


def _path(root: etree._Element, xpath: str) -> str:
    """lxml's ``/*/*[3]`` as ``/ReleaseRightAction/equipmentNumber``; raw when unresolvable."""
    if not xpath:
        return ""
    try:
        found = root.getroottree().xpath(xpath)
    except etree.XPathError:
        return xpath
    if isinstance(found, list) and found and isinstance(found[0], etree._Element):
        return readable_path(found[0])
    return xpath
