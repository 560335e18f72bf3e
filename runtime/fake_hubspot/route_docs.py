"""The "what is emulated" part of ``docs/fake-portal.md``, generated from the route table.

``python -m runtime.fake_hubspot.route_docs docs/fake-portal.md`` rewrites the block between
the ``<!-- routes:begin -->`` and ``<!-- routes:end -->`` markers; a test fails when the file
and the route table disagree, so the list never drifts from what the fake answers.
"""

from __future__ import annotations

import sys
from pathlib import Path

from runtime.contract.object_types import OBJECT_TYPES

BEGIN = "<!-- routes:begin -->"
END = "<!-- routes:end -->"


def routes_markdown() -> str:
    """Every emulated route (hsrun's own ``/_hsrun`` routes left out) and every object type."""
    from runtime.fake_hubspot.portal import FakePortal

    portal = FakePortal()
    rows = sorted(
        {
            (route.template, route.method)
            for route in portal.router.routes
            if not route.template.startswith("/_hsrun")
        }
    )
    lines = [
        "Generated from the route table (`python -m runtime.fake_hubspot.route_docs "
        "docs/fake-portal.md`). Any other method and path answers 404 in HubSpot's envelope "
        "(`category` `OBJECT_NOT_FOUND`, `context.notEmulated`, header "
        "`X-Hsrun-Not-Emulated: true`), and a run that made such a call gets an "
        "`API_NOT_EMULATED` alert.",
        "",
        "| Method | Path |",
        "|---|---|",
    ]
    lines += [f"| `{method}` | `{template}` |" for template, method in rows]
    lines += [
        "",
        "`{objectType}` is any of these types, by path name, type id, singular or workflow label:",
        "",
        "| Type | Id | Workflow label | Enrollable | Required on create |",
        "|---|---|---|---|---|",
    ]
    for kind in OBJECT_TYPES:
        required = ", ".join(f"`{p}`" for p in kind.required_properties) or "—"
        enrollable = "yes" if kind.enrollable else "no"
        lines.append(
            f"| `{kind.name}` | `{kind.type_id}` | `{kind.label}` | {enrollable} | {required} |"
        )
    return "\n".join(lines) + "\n"


def rewrite(path: Path) -> bool:
    """Replace the generated block in ``path``; ``True`` if the file changed."""
    text = path.read_text(encoding="utf-8")
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    new = text[:start] + "\n" + routes_markdown() + text[end:]
    if new == text:
        return False
    path.write_text(new, encoding="utf-8")
    return True


def block_of(path: Path) -> str:
    """The generated block as it stands in ``path``."""
    text = path.read_text(encoding="utf-8")
    return text[text.index(BEGIN) + len(BEGIN) : text.index(END)].lstrip("\n")


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    for name in sys.argv[1:]:
        print(f"{name}: {'rewritten' if rewrite(Path(name)) else 'up to date'}")
