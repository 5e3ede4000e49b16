"""XML syntax stage: safe parsing and XSD validation. The only package that imports lxml.

    parse_xml(payload) -> XmlDocument     guards, schema by namespace, plain frozen tree
    looks_like_xml(payload) -> bool

Nothing of lxml leaves this package: callers get `XmlDocument` / `XmlNode` dataclasses and the
hub's own errors (`InputTooLarge`, `SyntaxRejected`, `SchemaRejected`, `UnsupportedMessage`).
"""

from hub.parsing.xml.document import XmlDocument, XmlNode, parse_timestamp
from hub.parsing.xml.limits import XmlLimits
from hub.parsing.xml.reader import looks_like_xml, parse_xml
from hub.parsing.xml.schemas import SCHEMA_DIR, namespaces, schema_file

__all__ = [
    "SCHEMA_DIR",
    "XmlDocument",
    "XmlLimits",
    "XmlNode",
    "looks_like_xml",
    "namespaces",
    "parse_timestamp",
    "parse_xml",
    "schema_file",
]
