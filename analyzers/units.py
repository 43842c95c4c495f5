"""责任单位: the units named as responsible for each task section, with their role.

Handles the forms seen in real notices:
  责任单位：区民政局牵头，区教育局、人社局、住建局、卫计局，残联，…，各镇人民政府配合
  （责任单位:市局办公室、行政审核审批科,各县市(区)民政局、石狮市委社会工作部(民政局)）
and the State Council's task notes at the end of a paragraph:
  （税务总局、财政部、海关总署负责，排在第一位的部门为牵头部门，下同）
  （生态环境部牵头，国家发展改革委、工业和信息化部参与）
Abbreviated names inherit the level prefix of the unit before them (区财政局、农林水局 →
区农林水局), as the documents mean them to be read."""
from __future__ import annotations

import re

from analyzers.model import UnitRole
from analyzers.unit_registry import UnitRegistry, default_registry

_LABEL = re.compile(r"(?P<label>责任单位|责任部门|牵头单位|牵头部门|配合单位|配合部门)\s*[:：]\s*")
_LABEL_ROLE = {"牵头单位": "牵头", "牵头部门": "牵头", "配合单位": "配合", "配合部门": "配合"}
_SECTION = re.compile(
    r"^\s*(?:[（(]\s*[一二三四五六七八九十]+\s*[)）]|[一二三四五六七八九十]+\s*、|\d{1,2}\s*[.．、](?!\d))"
    r"\s*(?P<title>[^。；;\n]{2,40})"
)
# A task note in parentheses: （A、B等负责） （A牵头，B、C参与） （A、B牵头负责）
_NOTE = re.compile(r"[（(](?P<body>[^（）()\n]{2,300})[)）]")
_FIRST_LEADS = re.compile(r"[，,。；;]\s*(?:排在|列)第一位[^，,。；;]{0,6}为?牵头")
_LEAD_AND_OTHERS = re.compile(r"^(?P<lead>.+?)牵头[，,](?P<others>.+?)(?:参与|配合)$")
_ALL_SAME_ROLE = re.compile(r"^(?P<units>.+?)(?P<role>牵头负责|负责|牵头)$")
_UNIT_NAME = re.compile(
    r"^[\u4e00-\u9fff]{2,24}(部|委|局|署|院|办|厅|府|会|行|中心|中央|室|处|所|馆|社|团|联|组|部门|机构|工委|银行|公司)$"
)
_NOT_A_NAME = re.compile(r"[由的在对按将]")
_SEPARATORS = "，,、；;"
_ROLE_MARK = re.compile(r"(牵头|配合|负责)$")
# 市场监督管理局 starts with 市 but names no level; 区域… likewise.
_LEVEL = re.compile(r"^(市局|区局|县局|省厅|市(?!场)|区(?!域)|[省县镇])")
_ABBREVIATED = re.compile(r"^[\u4e00-\u9fff]{1,8}(局|委|办|科|室|中心|联|会|所|站|队)$")
_UNQUALIFIED_START = re.compile(r"^(各|全|有关|相关|本)")
_NAMES_A_PLACE = re.compile(r"[区县镇省]|市(?!场)|街道")  # 石化工业园区管委会 is complete as it is


# Bodies of the state and the party that need no place in their name to be one body.
_NATIONAL = re.compile(r"^(国务院|国家|中共中央|中央|全国|最高人民|中国人民银行)|^[\u4e00-\u9fff]{1,8}(部|总署|总局)$")


_TRAILING_NOTE = re.compile(r"[（(][^（）()]{1,20}[)）]$")


def names_a_unit(name: str, registry: UnitRegistry | None = None) -> bool:
    """Whether a name on its own names one body — 泉港区民政局, 国务院办公厅, 教育部, a name the
    registry knows — rather than a kind of body that only the text around it pins down:
    办公室, 各相关科室, 市局办公室, 各县市(区)民政局. Facets and unit pages list only the first;
    the task texts keep both as written."""
    registry = registry or default_registry()
    if registry.canonical(name) in registry.units or _NATIONAL.search(name):
        return True
    core = _TRAILING_NOTE.sub("", name)  # 石狮市委社会工作部(民政局): the body before its note
    if _UNQUALIFIED_START.match(core) or _LEVEL.match(core) or not _UNIT_NAME.match(core):
        return False
    return bool(_NAMES_A_PLACE.search(core))


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
    clause: str, section: str = "", task: str = "", registry: UnitRegistry | None = None, role: str = ""
) -> list[UnitRole]:
    """Units and roles of one clause, e.g. "区民政局牵头，区教育局、人社局配合"; a clause under a
    牵头单位： or 配合单位： label gives every unit that role."""
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
    trailing_role = role or ("配合" if any(u.role == "牵头" for u in units) else "负责")
    units.extend(unit(written, trailing_role) for written in pending)
    return _dedupe(units)


def _note_units(text: str) -> list[str] | None:
    """Unit names of a task note, or None when it is not a list of units (（见附件）…)."""
    names = []
    for piece in re.split(r"[、，,]|等和", text):
        name = re.sub(r"(等有关部门|等相关部门|等部门|等)$", "", piece.strip())
        if not _UNIT_NAME.match(name) or _NOT_A_NAME.search(name):
            return None
        names.append(name)
    return names


def parse_task_note(note: str, first_leads: bool) -> list[tuple[str, str]] | None:
    """(unit, role) pairs of a State Council task note; None when the note assigns no task.

    With 排在第一位的部门为牵头部门 in force, the first unit leads and the others cooperate."""
    lead_and_others = _LEAD_AND_OTHERS.match(note)
    if lead_and_others:
        leads, others = _note_units(lead_and_others["lead"]), _note_units(lead_and_others["others"])
        if leads is None or others is None:
            return None
        return [(n, "牵头") for n in leads] + [(n, "配合") for n in others]
    same_role = _ALL_SAME_ROLE.match(note)
    if not same_role:
        return None
    names = _note_units(same_role["units"])
    if names is None:
        return None
    if same_role["role"] != "负责":
        return [(n, "牵头") for n in names]
    if first_leads:
        return [(names[0], "牵头")] + [(n, "配合") for n in names[1:]]
    return [(n, "负责") for n in names]


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


def _clause_start(text: str, position: int) -> int:
    """Start of the line of labels a clause belongs to (牵头单位：…；配合单位：… is one line)."""
    line_start = text.rfind("\n", 0, position) + 1
    first = _LABEL.search(text, line_start, position + 1)
    return first.start() if first else position


def _task(text: str, position: int) -> tuple[str, str]:
    section, section_start = _section_before(text, position)
    return section, " ".join(text[section_start:position].split()).rstrip("（( ")[:_TASK_CHARS]


def extract_units(text: str, registry: UnitRegistry | None = None) -> list[UnitRole]:
    """Every unit named in every 责任单位 clause or task note of a document body, with its task."""
    registry = registry or default_registry()
    text = text or ""
    units: list[UnitRole] = []
    for label in _LABEL.finditer(text):
        before = text[: label.start()].rstrip()
        in_paren = before.endswith(("(", "（"))
        end = _clause_end(text, label.end(), in_paren)
        role = _LABEL_ROLE.get(label["label"], "")
        if role:  # 牵头单位：A；配合单位：B — this label's clause ends where the next begins
            following = _LABEL.search(text, label.end(), end)
            end = following.start() if following else end
        section, task = _task(text, _clause_start(text, label.start()))
        clause = text[label.end() : end].rstrip("；;，,。 ")
        units.extend(parse_unit_list(clause, section, task, registry, role))
    first_leads = False
    for note in _NOTE.finditer(text):
        body = note["body"].strip()
        if _LABEL.search(body):
            continue  # a （责任单位：…） clause, read above
        rule = _FIRST_LEADS.search(body)
        if rule:
            first_leads, body = True, body[: rule.start()]  # "下同": the rule holds from here on
        pairs = parse_task_note(body, first_leads)
        if pairs:
            section, task = _task(text, note.start())
            units.extend(
                UnitRole(name=registry.canonical(n), as_written=n, role=r, section=section, task=task) for n, r in pairs
            )
    return _dedupe(units)
