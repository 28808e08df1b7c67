"""The caption vocabulary, the word tokenizer the models were trained with, and the standard
tokenizer.json (HF tokenizers WordLevel) the app reads for the same ids."""
import re

import torch


COLORS = ["red", "green", "blue", "yellow", "purple", "orange", "white", "black"]
SHAPES = ["circle", "square", "triangle"]
POSITIONS = ["top left", "top", "top right", "left", "center", "right",
             "bottom left", "bottom", "bottom right"]
DIRECTIONS = ["left", "right", "up", "down"]

SPECIAL = ["[PAD]", "[UNK]"]
WORDS = sorted(set(
    "a at the on background moving".split() + COLORS + SHAPES + DIRECTIONS
    + [w for p in POSITIONS for w in p.split()]))
VOCAB = {tok: i for i, tok in enumerate(SPECIAL + WORDS)}
PAD_ID, UNK_ID = 0, 1


class WordTokenizer:
    """Python twin of the tokenizer.json we write (Lowercase, Whitespace, WordLevel, pad right)."""

    _split = re.compile(r"\w+|[^\w\s]+")

    def __init__(self, vocab=VOCAB, max_length=16):
        self.vocab = dict(vocab)
        self.max_length = max_length

    def encode(self, text):
        ids = [self.vocab.get(w, UNK_ID) for w in self._split.findall(text.lower())]
        ids = ids[: self.max_length]
        return ids + [PAD_ID] * (self.max_length - len(ids))

    def __call__(self, texts):
        return torch.tensor([self.encode(t) for t in texts], dtype=torch.int64)


def tokenizer_json(vocab=VOCAB, max_length=16):
    """A Hugging Face tokenizers `tokenizer.json` (WordLevel) as a dict."""
    def added(i, tok):
        return {"id": i, "content": tok, "single_word": False, "lstrip": False, "rstrip": False,
                "normalized": False, "special": True}
    return {
        "version": "1.0",
        "truncation": {"direction": "Right", "max_length": max_length,
                       "strategy": "LongestFirst", "stride": 0},
        "padding": {"strategy": {"Fixed": max_length}, "direction": "Right",
                    "pad_to_multiple_of": None, "pad_id": PAD_ID, "pad_type_id": 0,
                    "pad_token": "[PAD]"},
        "added_tokens": [added(PAD_ID, "[PAD]"), added(UNK_ID, "[UNK]")],
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": None,
        "decoder": None,
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "[UNK]"},
    }
