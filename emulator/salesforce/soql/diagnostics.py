"""SOQL error messages in the real API's format.

The real API echoes the offending line, puts a caret under the token and adds
``ERROR at Row:r:Column:c`` before the detail::

    \\nSELECT Idd FROM Contact\\n       ^\\nERROR at Row:1:Column:8\\nNo such column ...

On long lines it echoes only a window of about 40 characters on each side of
the token, widened to whole words (seen in real responses: a column-3146
error echoes just the neighbouring field names).
"""
from __future__ import annotations

from ..errors import SalesforceError

WINDOW = 40
_NO_COLUMN = ("No such column '{field}' on entity '{entity}'. If you are attempting to use a custom "
              "field, be sure to append the '__c' after the custom field name. Please reference your "
              "WSDL or the describe call for the appropriate names.")
_NO_TYPE = ("sObject type '{name}' is not supported. If you are attempting to use a custom object, be "
            "sure to append the '__c' after the entity name. Please reference your WSDL or the "
            "describe call for the appropriate names.")
_NO_RELATIONSHIP = ("Didn't understand relationship '{name}' in field path. If you are attempting to use "
                    "a custom relationship, be sure to append the '__r' after the custom relationship "
                    "name. Please reference your WSDL or the describe call for the appropriate names.")


def row_column(text: str, pos: int) -> tuple[int, int]:
    """1-based row and column of offset ``pos``."""
    pos = max(0, min(pos, len(text)))
    row = text.count("\n", 0, pos) + 1
    line_start = text.rfind("\n", 0, pos) + 1
    return row, pos - line_start + 1


def pointer(text: str, pos: int, detail: str, column: int | None = None) -> str:
    """``\\n<line window>\\n<spaces>^\\nERROR at Row:r:Column:c\\n<detail>``."""
    pos = max(0, min(pos, len(text)))
    row, col = row_column(text, pos)
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    line = text[line_start:len(text) if line_end < 0 else line_end]
    col0 = col - 1
    start = max(0, col0 - WINDOW)
    while start > 0 and not line[start - 1].isspace():
        start -= 1
    end = min(len(line), col0 + WINDOW)
    while end < len(line) and not line[end].isspace():
        end += 1
    shown = column if column is not None else col
    return f"\n{line[start:end]}\n{' ' * (col0 - start)}^\nERROR at Row:{row}:Column:{shown}\n{detail}"


def malformed(text: str, pos: int, detail: str, column: int | None = None) -> SalesforceError:
    return SalesforceError(400, "MALFORMED_QUERY", pointer(text, pos, detail, column))


def invalid_field(text: str, pos: int, detail: str) -> SalesforceError:
    return SalesforceError(400, "INVALID_FIELD", pointer(text, pos, detail))


def no_such_column(text: str, pos: int, field: str, entity: str) -> SalesforceError:
    return invalid_field(text, pos, _NO_COLUMN.format(field=field, entity=entity))


def no_such_relationship(text: str, pos: int, name: str) -> SalesforceError:
    return invalid_field(text, pos, _NO_RELATIONSHIP.format(name=name))


_NO_CHILD_RELATIONSHIP = ("Didn't understand relationship '{name}' in FROM part of query call. If you are "
                          "attempting to use a custom relationship, be sure to append the '__r' after the "
                          "custom relationship name. Please reference your WSDL or the describe call for the "
                          "appropriate names.")


def invalid_type(text: str, pos: int, name: str, relationship: bool = False) -> SalesforceError:
    """An unknown object (or, in a subquery's FROM, an unknown child relationship)."""
    template = _NO_CHILD_RELATIONSHIP if relationship else _NO_TYPE
    return SalesforceError(400, "INVALID_TYPE", pointer(text, pos, template.format(name=name)))


def filter_operator(text: str, pos: int, detail: str) -> SalesforceError:
    """Operator/value errors the real API reports as INVALID_QUERY_FILTER_OPERATOR
    (e.g. ``invalid ID field: abc``)."""
    return SalesforceError(400, "INVALID_QUERY_FILTER_OPERATOR", pointer(text, pos, detail))


def out_of_range(message: str) -> SalesforceError:
    return SalesforceError(400, "NUMBER_OUTSIDE_VALID_RANGE", message)


def empty_query() -> SalesforceError:
    return SalesforceError(400, "MALFORMED_QUERY", "A query string has to be specified")
