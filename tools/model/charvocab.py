"""Character vocabulary shared by train.py, export_gguf.py and generate.py.

Layout (chosen so llama.cpp's SentencePiece-style tokenizer, tokenizer.ggml.model = "llama",
produces exactly the ids we train on):
  0 <unk>, 1 <s> (BOS), 2 </s> (EOS)                  control tokens
  3..258  <0x00>..<0xFF>                               byte fallback for characters not in the vocab
  259..   one token per frequent character, by code point; the space is stored as U+2581 ("▁"),
          the way llama.cpp's SPM tokenizer escapes it.
With only single-character pieces no merges apply, so llama.cpp splits text into characters and
falls back to UTF-8 byte tokens for the rest -- the same rule encode() implements here.
"""
from collections import Counter

UNK, BOS, EOS = 0, 1, 2
BYTE_BASE = 3
CHAR_BASE = BYTE_BASE + 256
SPACE_PIECE = '\u2581'

TOKEN_NORMAL, TOKEN_UNKNOWN, TOKEN_CONTROL, TOKEN_BYTE = 1, 2, 3, 6  # llama.cpp token types


def build_chars(text: str, min_count: int) -> list[str]:
    counts = Counter(text)
    chars = sorted(c for c, n in counts.items() if n >= min_count and c != SPACE_PIECE)
    if ' ' not in chars or '\n' not in chars:
        raise ValueError('corpus must contain spaces and newlines')
    return chars


def pieces(chars: list[str]) -> list[str]:
    out = ['<unk>', '<s>', '</s>'] + [f'<0x{b:02X}>' for b in range(256)]
    out += [SPACE_PIECE if c == ' ' else c for c in chars]
    return out


def token_types(chars: list[str]) -> list[int]:
    return [TOKEN_UNKNOWN, TOKEN_CONTROL, TOKEN_CONTROL] + [TOKEN_BYTE] * 256 + [TOKEN_NORMAL] * len(chars)


class CharVocab:
    def __init__(self, chars: list[str]):
        self.chars = list(chars)
        self.pieces = pieces(self.chars)
        self.char_to_id = {c: CHAR_BASE + i for i, c in enumerate(self.chars)}

    @property
    def size(self) -> int:
        return len(self.pieces)

    def encode(self, text: str) -> list[int]:
        out: list[int] = []
        table = self.char_to_id
        for c in text:
            tid = table.get(c)
            if tid is not None:
                out.append(tid)
            else:
                out.extend(BYTE_BASE + b for b in c.encode('utf-8'))
        return out

    def decode(self, ids: list[int]) -> str:
        raw = bytearray()
        for t in ids:
            if t >= CHAR_BASE:
                raw += self.chars[t - CHAR_BASE].encode('utf-8')
            elif t >= BYTE_BASE:
                raw.append(t - BYTE_BASE)
        return raw.decode('utf-8', errors='replace')
