"""公文种类 from the title: the kind word a Chinese official document's title ends with."""
from __future__ import annotations

# Longest first so 实施方案 wins over 方案 and 实施意见 over 意见.
DOC_TYPES = (
    "实施细则", "实施方案", "实施意见", "工作要点", "指导意见",
    "通知", "通告", "公告", "意见", "办法", "规定", "方案", "决定", "批复", "通报",
    "细则", "规划", "条例", "规则", "报告", "要点", "命令", "函", "纪要", "指南",
)
_CANONICAL = {"实施细则": "细则", "实施方案": "方案", "实施意见": "意见", "工作要点": "要点", "指导意见": "意见"}


def doc_type_from_title(title: str) -> str:
    """关于印发…的通知 is a 通知: the type is the last kind word at the end of the title."""
    stripped = (title or "").strip().rstrip("》」）)")
    for kind in DOC_TYPES:
        if stripped.endswith(kind):
            return _CANONICAL.get(kind, kind)
    return ""
