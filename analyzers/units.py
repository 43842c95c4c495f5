"""责任单位: the units named as responsible for each task section, with their role.

Handles the forms seen in real notices:
  责任单位：区民政局牵头，区教育局、人社局、住建局、卫计局，残联，…，各镇人民政府配合
  （责任单位:市局办公室、行政审核审批科,各县市(区)民政局、石狮市委社会工作部(民政局)）
Abbreviated names inherit the level prefix of the unit before them (区财政局、农林水局 →
区农林水局), as the documents mean them to be read."""
from __future__ import annotations

import re

from analyzers.model import UnitRole
from analyzers.unit_registry import UnitRegistry, default_registry

_LABEL = re.compile(r"(?:责任单位|牵头单位|责任部门)\s*[:：]\s*")
_SECTION = re.compile(
    r"^\s*(?:[（(]\s*[一二三四五六七八九十]+\s*[)）]|[一二三四五六七八九十]+\s*、)\s*(?P<title>[^。；;\n]{2,40})"
)
_SEPARATORS = "，,、；;"
_ROLE_MARK = re.compile(r"(牵头|配合|负责)$")
# 市场监督管理局 starts with 市 but names no level; 区域… likewise.
_LEVEL = re.compile(r"^(市局|区局|县局|省厅|市(?!场)|区(?!域)|[省县镇])")
_ABBREVIATED = re.compile(r"^[\u4e00-\u9fff]{1,8}(局|委|办|科|室|中心|联|会|所|站|队)$")
_UNQUALIFIED_START = re.compile(r"^(各|全|有关|相关|本)")
_NAMES_A_PLACE = re.compile(r"[区县镇省]|市(?!场)|街道")  # 石化工业园区管委会 is complete as it is


def _split_top_level(text: str) -> list[tuple[str, str]]:
    """Split on separators outside parentheses; return (piece, separator that ended it)."""
    pieces: list[tuple[str, str]] = []
    depth, current = 0, []
    for ch in text:
        if ch in "(（":
            depth += 1
        elif ch in ")）":
            depth = max(depth - 1, 0)
        if ch in _SEPARATORS and depth == 0:
            pieces.append(("".join(current).strip(), ch))
            current = []
        else:
            current.append(ch)
    pieces.append(("".join(current).strip(), ""))
    return [(p, sep) for p, sep in pieces if p]


def _clause_end(text: str, start: int, opened_in_paren: bool) -> int:
    """Where a 责任单位 clause ends: its closing parenthesis, or the end of the line/sentence."""
    depth = 0
    for i in range(start, len(text)):
        ch = text[i]
        if ch in "(（":
            depth += 1
        elif ch in ")）":
            if depth == 0 and opened_in_paren:
                return i
            depth = max(depth - 1, 0)
        elif ch in "\n。" and depth == 0:
            return i
    return len(text)


def parse_unit_list(
    clause: str, section: str = "", task: str = "", registry: UnitRegistry | None = None
) -> list[UnitRole]:
    """Units and roles of one clause, e.g. "区民政局牵头，区教育局、人社局配合"."""
    registry = registry or default_registry()

    def unit(written: str, role: str) -> UnitRole:
        return UnitRole(name=registry.canonical(written), as_written=written, role=role, section=section, task=task)

    units: list[UnitRole] = []
    pending: list[str] = []
    prefix = ""
    for piece, _sep in _split_top_level(clause):
        role_match = _ROLE_MARK.search(piece)
        name = piece[: role_match.start()].strip() if role_match else piece
        if name:
            level = _LEVEL.match(name)
            if level:
                prefix = level.group(1)
            elif (
                prefix
                and _ABBREVIATED.match(name)
                and not _UNQUALIFIED_START.match(name)
                and not _NAMES_A_PLACE.search(name)
            ):
                name = prefix + name
            pending.append(name)
        if role_match:
            units.extend(unit(written, role_match.group(1)) for written in pending)
            pending = []
    # Units after the last role word, or in a clause without one, are simply responsible;
    # when the clause named a lead, the rest cooperate.
    trailing_role = "配合" if any(u.role == "牵头" for u in units) else "负责"
    units.extend(unit(written, trailing_role) for written in pending)
    return _dedupe(units)


def _dedupe(units: list[UnitRole]) -> list[UnitRole]:
    seen: set[tuple[str, str, str]] = set()
    unique = []
    for unit in units:
        key = (unit.name, unit.role, unit.section)
        if key not in seen:
            seen.add(key)
            unique.append(unit)
    return unique


def _section_before(text: str, position: int) -> tuple[str, int]:
    """Title and start offset of the numbered section (（一）…) a clause stands in."""
    line_end = position
    for line in reversed(text[:position].split("\n")):
        line_start = line_end - len(line)
        match = _SECTION.match(line)
        if match:
            return match.group("title").strip(), line_start
        line_end = line_start - 1
    # No numbered heading: the task is the paragraph before the clause.
    line_start = text.rfind("\n", 0, position) + 1
    if not text[line_start:position].strip():
        line_start = text.rfind("\n", 0, max(line_start - 1, 0)) + 1
    return "", line_start


_TASK_CHARS = 500


def extract_units(text: str, registry: UnitRegistry | None = None) -> list[UnitRole]:
    """Every unit named in every 责任单位 clause of a document body, with its task."""
    units: list[UnitRole] = []
    for label in _LABEL.finditer(text or ""):
        before = text[: label.start()].rstrip()
        in_paren = before.endswith(("(", "（"))
        end = _clause_end(text, label.end(), in_paren)
        section, section_start = _section_before(text, label.start())
        task = " ".join(text[section_start : label.start()].split()).rstrip("（( ")[:_TASK_CHARS]
        units.extend(parse_unit_list(text[label.end() : end], section, task, registry))
    return _dedupe(units)
