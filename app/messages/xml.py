"""Safe XML parsing and the lossless JSON <-> XML mapping of the v1 messages.

The mapping is driven by the JSON Schema: an element per property, in the schema's property
order (which the XSD sequences follow), arrays as `<i>` items (RFC 9457 Appendix B), booleans
as `true`/`false`, numbers in plain decimal notation.
"""

from decimal import Decimal
from typing import Any

from lxml import etree

from app.messages.specs import MessageSpec

ARRAY_ITEM = "i"
# bounds on what one message may hold: the largest v1 message has about a hundred elements and
# no attributes; a validator explaining thousands of unexpected ones would hold a thread for seconds
MAX_ELEMENTS = 2000
MAX_ATTRIBUTES = 32


class UnsafeXml(ValueError):
    """The document uses a feature that is refused (DTD, entities) or is nested too deeply."""


class MalformedXml(ValueError):
    """The bytes are not well-formed XML."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(
    body: bytes,
    *,
    max_depth: int,
    max_elements: int = MAX_ELEMENTS,
    max_attributes: int = MAX_ATTRIBUTES,
) -> etree._Element:
    """Parse untrusted XML: no DTD, no entities, no network, bounded depth, element and attribute
    counts."""
    try:
        root = etree.fromstring(body, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise MalformedXml(str(exc)) from exc
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise UnsafeXml("a DOCTYPE is not allowed")
    attributes = 0
    for elements, element in enumerate(root.iter(), start=1):
        if not isinstance(element.tag, str):
            raise UnsafeXml("entity references are not allowed")
        attributes += len(element.attrib)
        if elements > max_elements:
            raise UnsafeXml(f"the document has more than {max_elements} elements")
        if attributes > max_attributes:
            raise UnsafeXml(f"the document has more than {max_attributes} attributes")
    if _depth(root) > max_depth:
        raise UnsafeXml(f"the document is nested deeper than {max_depth} levels")
    return root


def _depth(root: etree._Element) -> int:
    deepest = 0
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in element)
    return deepest


def local_name(element: etree._Element) -> str:
    return str(etree.QName(element).localname)


def element_path(element: etree._Element) -> str:
    """An XPath of local names from the root, with positions only for repeated items."""
    steps = []
    current: etree._Element | None = element
    while current is not None:
        name = local_name(current)
        parent = current.getparent()
        if parent is not None and name == ARRAY_ITEM:
            name = f"{name}[{list(parent).index(current) + 1}]"
        steps.append(name)
        current = parent
    return "/" + "/".join(reversed(steps))


def pointer_to_xpath(spec: MessageSpec, pointer: str) -> str:
    """`/inwoner/adres/postcode` -> `/doorverwijzing/inwoner/adres/postcode`; `/errors/0` -> `…/i[1]`."""
    steps = [spec.root]
    for part in pointer.split("/")[1:]:
        steps.append(f"{ARRAY_ITEM}[{int(part) + 1}]" if part.isdigit() else part)
    return "/" + "/".join(steps)


def to_data(spec: MessageSpec, root: etree._Element) -> dict[str, Any]:
    """The JSON form of an XSD-valid document."""
    data = _value(spec, root, spec.json_schema)
    assert isinstance(data, dict)
    return data


def _value(spec: MessageSpec, element: etree._Element, schema: dict[str, Any]) -> Any:
    schema = spec.resolve(schema)
    kind = _json_type(schema)
    if kind == "object":
        properties = schema.get("properties", {})
        return {local_name(child): _value(spec, child, properties[local_name(child)]) for child in element}
    if kind == "array":
        return [_value(spec, item, schema.get("items", {})) for item in element]
    text = element.text or ""
    if kind == "boolean":
        return text.strip() in ("true", "1")
    if kind == "integer":
        return int(text.strip())
    if kind == "number":
        return Decimal(text.strip())
    return text


def to_xml(spec: MessageSpec, data: dict[str, Any]) -> bytes:
    """The XML form of a JSON message (JSON values: dict, list, str, bool, int, Decimal, float)."""
    root = etree.Element(etree.QName(spec.namespace, spec.root), nsmap={None: spec.namespace})
    _fill(spec, root, data, spec.json_schema)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _fill(spec: MessageSpec, element: etree._Element, value: Any, schema: dict[str, Any]) -> None:
    schema = spec.resolve(schema)
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for name, child_schema in properties.items():
            if name in value:
                child = etree.SubElement(element, etree.QName(spec.namespace, name))
                _fill(spec, child, value[name], child_schema)
    elif isinstance(value, list):
        for item in value:
            child = etree.SubElement(element, etree.QName(spec.namespace, ARRAY_ITEM))
            _fill(spec, child, item, schema.get("items", {}))
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif isinstance(value, float | Decimal):
        element.text = format(Decimal(str(value)), "f")
    else:
        element.text = str(value)


def _json_type(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, str):
        return kind
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    sample = schema.get("const", (schema.get("enum") or [""])[0])
    if isinstance(sample, bool):
        return "boolean"
    return "string"
