"""One normalization for every text that becomes tokens, documents and queries alike: full-width
letters, digits and punctuation to their ASCII forms (２０１８ → 2018, ＡＢＣ → ABC, the ideographic
space to a space) and traditional characters to simplified (OpenCC's t2s tables — the
converter the Chinese open-source world maintains, phrase-aware, in C++).

Both sides go through the same function, so a query matches a document however either was
typed; the stored and shown text stays as published. Simplified text passes unchanged (checked
on the whole sample corpus), so verbatim recall over it is untouched."""
from __future__ import annotations

import threading

import opencc

_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_local = threading.local()  # one converter per thread: OpenCC objects are not shared across threads


def _converter() -> opencc.OpenCC:
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = opencc.OpenCC("t2s")
    return converter


def normalize(text: str) -> str:
    return _converter().convert(text.translate(_FULL_WIDTH))
