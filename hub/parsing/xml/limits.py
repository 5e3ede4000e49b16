"""How much of each shape one XML document may hold, checked before the work each bounds.

Before parsing, a byte count of ``<`` bounds the elements (every element needs one, its end
tag another), so a megabyte of ``<a/>`` is refused unparsed. After parsing and before schema
validation (which would report one error per stray element or attribute), one walk over the
tree checks depth, element count, attributes per element, the length of every text and
attribute value, and the namespaces in scope. Schema-valid documents of the hub are far below
every default: at most about 5,000 elements (1,000 events or statuses), one attribute, text of
at most 350 characters, two or three namespaces.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import repeat

from lxml import etree

from hub.errors import InputTooLarge, Problem
from hub.parsing.xml.lxmlview import source_line

__all__ = ["DEFAULT_XML_LIMITS", "XmlLimits", "check_markup", "check_tree"]

_TOO_MANY = "16"  # UN/EDIFACT 0085: too many constituents
_TOO_LONG = "39"  # data element too long


@dataclass(frozen=True)
class XmlLimits:
    """Per-shape limits of one XML document."""

    max_bytes: int = 1_000_000
    max_depth: int = 64
    max_elements: int = 10_000
    max_attributes: int = 50
    """Attributes of one element (namespace declarations not counted)."""
    max_text: int = 65_536
    """Characters of one text node or attribute value."""
    max_namespaces: int = 50
    """Namespaces in scope at one element."""


DEFAULT_XML_LIMITS = XmlLimits()


def check_markup(payload: bytes, limits: XmlLimits) -> None:
    """Before parsing: no more ``<`` than the elements allowed could need (start and end tag
    each, plus room for a declaration and comments), and no more ``=`` from one ``<`` to the
    next than the attributes and namespace declarations allowed on one element could need
    (text between tags counts too: a bound, not a count). UTF-16 and UTF-32 encode both
    characters with these bytes too."""
    allowed = 2 * limits.max_elements + 100
    count = payload.count(b"<")
    if count > allowed:
        what = f"{count:,} tags: more than {limits.max_elements:,} elements"
        raise _too_large(what, limits.max_elements, _TOO_MANY)
    per_tag = limits.max_attributes + limits.max_namespaces
    if payload.count(b"=") > per_tag:
        worst = max(map(bytes.count, payload.split(b"<"), repeat(b"=")))
        if worst > per_tag:
            what = f"{worst:,} attributes or namespace declarations on one element"
            raise _too_large(what, per_tag, _TOO_MANY)


def check_tree(root: etree._Element, limits: XmlLimits) -> None:
    """Depth, elements, attributes, text lengths and namespaces, level by level from the root
    (a rejection names the first offending element's line)."""
    level, depth, count = [root], 1, 0
    while level:
        if depth > limits.max_depth:
            line = source_line(level[0])
            what = f"element nesting exceeds {limits.max_depth} levels"
            raise InputTooLarge(
                f"XML document nests elements deeper than {limits.max_depth} levels",
                (Problem(what, line=line),),
            )
        count += len(level)
        if count > limits.max_elements:
            what = f"more than {limits.max_elements:,} elements"
            raise _too_large(what, limits.max_elements, _TOO_MANY, level[0])
        for element in level:
            _check_element(element, limits)
        level = [child for element in level for child in element if isinstance(child.tag, str)]
        depth += 1


def _check_element(element: etree._Element, limits: XmlLimits) -> None:
    attributes = element.attrib
    if len(attributes) > limits.max_attributes:
        what = f"more than {limits.max_attributes} attributes on one element"
        raise _too_large(what, limits.max_attributes, _TOO_MANY, element)
    texts = [element.text or "", element.tail or "", *attributes.values()]
    if max(map(len, texts)) > limits.max_text:
        what = f"a text or attribute value longer than {limits.max_text:,} characters"
        raise _too_large(what, limits.max_text, _TOO_LONG, element)
    if len(element.nsmap) > limits.max_namespaces:
        what = f"more than {limits.max_namespaces} namespaces in scope"
        raise _too_large(what, limits.max_namespaces, _TOO_MANY, element)


def _too_large(
    what: str, limit: int, code: str, element: etree._Element | None = None
) -> InputTooLarge:
    line = source_line(element) if element is not None else 0
    text = f"{what}: the limit is {limit:,}"
    return InputTooLarge(f"XML document has {text}", (Problem(text, code=code, line=line),))
