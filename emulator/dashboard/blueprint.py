"""The dashboard's blueprint and the helpers every page shares: the emulator, paging, HTML errors."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

from flask import Blueprint, current_app, request

bp = Blueprint("dashboard", __name__, url_prefix="/__emulator/ui", template_folder="templates",
               static_folder="static", static_url_path="/static")

PAGE_SIZE = 25
PAGE_SIZES = (10, 25, 50, 100)


class PageError(Exception):
    """A request the dashboard refuses with a status and a plain message (rendered as an HTML page)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def emulator() -> Any:
    return current_app.extensions["emulator"]


def page_number(param: str = "page") -> int:
    """The 1-based page asked in ``param``: 400 for anything but a positive integer."""
    raw = request.args.get(param, "1").strip()
    if not raw.isdigit() or int(raw) < 1 or len(raw) > 9:
        raise PageError(400, f"{param} must be a positive whole number, not {raw!r}")
    return int(raw)


def page_size() -> int:
    raw = request.args.get("per", str(PAGE_SIZE)).strip()
    if not raw.isdigit() or int(raw) not in PAGE_SIZES:
        raise PageError(400, f"per must be one of {', '.join(map(str, PAGE_SIZES))}, not {raw!r}")
    return int(raw)


@dataclass
class Page:
    """One page of a longer list: its items, where it stands and the query parameter that moves it."""

    items: Sequence[Any]
    number: int
    size: int
    total: int
    param: str = "page"

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def first_index(self) -> int:
        """1-based position of the first item shown (0 when the list is empty)."""
        return (self.number - 1) * self.size + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.number * self.size, self.total)

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def check_page(number: int, size: int, total: int, param: str = "page") -> int:
    """404 for a page past the last one (page 1 always exists); the offset of the page otherwise."""
    if number > 1 and (number - 1) * size >= total:
        raise PageError(404, f"{param} {number} is past the last page ({max(1, math.ceil(total / size))})")
    return (number - 1) * size


def paged(items: Sequence[Any], param: str = "page", size: int | None = None) -> Page:
    """A page of an in-memory list (the list is already built; only the page is rendered)."""
    number = page_number(param)
    size = size or page_size()
    offset = check_page(number, size, len(items), param)
    return Page(items[offset:offset + size], number, size, len(items), param)
