"""Reading a page in tests: its elements by class and id, through stdlib html.parser;
and what every page test checks of an answer and its audit event."""

from __future__ import annotations

import uuid
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Element:
    def __init__(self, tag: str, attrs: dict[str, str | None]) -> None:
        self.tag, self.attrs, self.children, self.parts = tag, attrs, [], []

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())

    def descendants(self, tag: str) -> list[Element]:
        out = []
        for child in self.children:
            out += ([child] if child.tag == tag else []) + child.descendants(tag)
        return out

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())


class Page(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__()
        self.root = Element("document", {})
        self.all: list[Element] = []
        self._open = [self.root]
        self.feed(source)

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs))
        self._open[-1].children.append(element)
        self.all.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_endtag(self, tag):
        for i in range(len(self._open) - 1, 0, -1):
            if self._open[i].tag == tag:
                del self._open[i:]
                return

    def handle_data(self, data):
        for element in self._open:
            element.parts.append(data)

    def by_class(self, name: str) -> list[Element]:
        return [e for e in self.all if name in e.classes]

    def by_id(self, ident: str) -> Element | None:
        return next((e for e in self.all if e.attrs.get("id") == ident), None)

    def links(self) -> list[str]:
        return [e.attrs["href"] for e in self.all if e.tag == "a" and e.attrs.get("href")]

    def heading(self) -> str:
        return next(e.text for e in self.all if e.tag == "h1")


def html(response, status: int = 200) -> Page:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    return Page(response.text)


async def event(conn, response) -> dict | None:
    """The request's audit event (what a page and its JSON twin must share), or None."""
    row = await conn.fetchrow("SELECT action, outcome, status, reason, query, child_ids FROM audit_events "
                              "WHERE request_id = $1", uuid.UUID(response.headers["x-request-id"]))
    return dict(row) if row else None
