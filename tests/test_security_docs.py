"""docs/SECURITY.md's permission matrix is the one in code."""

from __future__ import annotations

from pathlib import Path

from beacon.auth.permissions import ROLE_PERMISSIONS, Permission, Role

DOC = Path(__file__).resolve().parents[1] / "docs" / "SECURITY.md"


def test_documented_matrix_matches_the_code() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Roles and permissions", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    header = next(line for line in section.splitlines() if line.startswith("| permission"))
    roles = [cell.strip().strip("`") for cell in header.strip("|").split("|")[1:]]
    assert roles == [r.value for r in Role]
    documented: dict[str, set[str]] = {}
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        permission = cells[0].strip("`")
        documented[permission] = {role for role, cell in zip(roles, cells[1:], strict=True) if cell}
    assert set(documented) == {p.value for p in Permission}
    for permission, granted in documented.items():
        expected = {r.value for r in Role if Permission(permission) in ROLE_PERMISSIONS[r]}
        assert granted == expected, permission
