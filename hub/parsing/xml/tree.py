"""lxml elements → the hub's plain `XmlNode` tree, with readable paths and a depth guard."""

from __future__ import annotations

from collections import Counter

from lxml import etree

from hub.parsing.xml.document import XmlNode
from hub.parsing.xml.lxmlview import source_line


def local_name(element: etree._Element) -> str:
    """The element's name without its namespace."""
    return etree.QName(element).localname


def _step(element: etree._Element) -> str:
    """``name``, or ``name[i]`` when siblings share the name (counted from 1, XPath style)."""
    name = local_name(element)
    parent = element.getparent()
    if parent is None:
        return name
    same = [sibling for sibling in parent if _is_element(sibling) and local_name(sibling) == name]
    return name if len(same) == 1 else f"{name}[{same.index(element) + 1}]"


def readable_path(element: etree._Element) -> str:
    """A path of local names from the root, e.g. ``/CustomsStatusReport/containerStatus[2]``."""
    steps = [_step(element)] + [_step(a) for a in element.iterancestors()]
    return "/" + "/".join(reversed(steps))


def _is_element(node: etree._Element) -> bool:
    """True for elements; False for comments and processing instructions."""
    return isinstance(node.tag, str)


def _steps(elements: list[etree._Element]) -> list[str]:
    """Path steps for sibling elements: ``name``, or ``name[i]`` when the name repeats."""
    names = [local_name(e) for e in elements]
    counts, seen = Counter(names), Counter[str]()
    steps = []
    for name in names:
        seen[name] += 1
        steps.append(name if counts[name] == 1 else f"{name}[{seen[name]}]")
    return steps


def to_node(element: etree._Element, path: str = "") -> XmlNode:
    """Copy an lxml element and its descendants into frozen `XmlNode`s (comments dropped)."""
    here = path or readable_path(element)
    elements = [c for c in element if _is_element(c)]
    steps = _steps(elements)
    return XmlNode(
        tag=local_name(element),
        attrib={str(k): str(v) for k, v in element.attrib.items()},
        text=(element.text or "").strip(),
        children=tuple(to_node(c, f"{here}/{s}") for c, s in zip(elements, steps, strict=True)),
        line=source_line(element),
        path=here,
    )
