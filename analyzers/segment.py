"""Chinese word segmentation with jieba and zhengce's own dictionary.

Index side: every word jieba finds, plus the dictionary words inside long words (jieba's
"search" mode), each with its character offsets into the original text so highlights land on
the original. Sub-words share the position of the word they are part of, so phrase queries
over whole words still match. Query side: jieba's default cut."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import jieba

USER_DICT = Path(__file__).parent / "data" / "userdict.txt"

jieba.setLogLevel(logging.WARNING)
_tokenizer: jieba.Tokenizer | None = None
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Token:
    text: str  # lower-cased word
    position: int
    start: int  # character offsets into the original text
    end: int


def tokenizer() -> jieba.Tokenizer:
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            tk = jieba.Tokenizer()
            tk.load_userdict(str(USER_DICT))
            tk.initialize()
            _tokenizer = tk
    return _tokenizer


def is_word(text: str) -> bool:
    """Whether a jieba piece is worth indexing: anything with a letter, digit or hanzi."""
    return any(ch.isalnum() for ch in text)


def index_tokens(text: str) -> list[Token]:
    tk = tokenizer()
    tokens: list[Token] = []
    position = 0
    for word, start, end in tk.tokenize(text, mode="default", HMM=True):
        if not is_word(word):
            continue
        tokens.append(Token(word.lower(), position, start, end))
        for size in (2, 3):
            if len(word) <= size:
                continue
            for i in range(len(word) - size + 1):
                part = word[i : i + size]
                if tk.FREQ.get(part):
                    tokens.append(Token(part.lower(), position, start + i, start + i + size))
        position += 1
    return tokens


def query_words(text: str) -> list[str]:
    """The words of a query, in order, lower-cased, punctuation dropped."""
    return [w.lower() for w in tokenizer().cut(text, HMM=True) if is_word(w)]


def char_bigrams(text: str) -> list[Token]:
    """Overlapping two-character grams at consecutive positions: a verbatim substring of 2+
    characters is exactly a phrase of its bigrams, whatever jieba made of the words."""
    lowered = text.lower()
    return [Token(lowered[i : i + 2], i, i, i + 2) for i in range(len(lowered) - 1)]


def query_bigrams(text: str) -> list[str]:
    lowered = text.lower()
    return [lowered[i : i + 2] for i in range(len(lowered) - 1)]
