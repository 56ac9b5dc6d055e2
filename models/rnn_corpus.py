"""The recurrent model's training text: two English corpora that ship inside ``gensim==4.4.0``'s test data.

* ``lee_background.cor``: 300 Australian news stories (2001), one per line, about 59,000 words
  (the background corpus of Lee, Pincombe & Welsh 2005);
* ``enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2``: 106 whole English
  Wikipedia articles (Anarchism, Autism, Alabama, Abraham Lincoln, Aristotle, ...) as wiki
  markup, about 480,000 words once the markup is stripped (gensim's ``filter_wiki``, then the
  headings, lists and table rows left over are dropped). Wikipedia text is CC BY-SA 3.0 / GFDL.

A document is a news story or an article; a paragraph ends with EOS. Every tenth document
(index 9, 19, ...) is held out for perplexity and never trained on.
"""
from __future__ import annotations

import bz2
import re
from pathlib import Path

from core.inference.rnn_vocab import EOS, tokenize
from models.build_common import package_file

GENSIM = ("gensim", "4.4.0")
LEE = "gensim/test/test_data/lee_background.cor"
WIKI = "gensim/test/test_data/enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
HELDOUT_EVERY = 10
LICENCE = ("Lee corpus: gensim test data (LGPL-2.1 package; news texts of Lee, Pincombe & Welsh 2005, "
           "for research); Wikipedia articles: CC BY-SA 3.0 / GFDL")
_MARKUP = re.compile(r"'{2,}|\[\[|\]\]|&nbsp;|<[^>]+>")


def sources() -> list[Path]:
    return [package_file(*GENSIM, LEE), package_file(*GENSIM, WIKI)]


def _wiki_paragraphs(text: str) -> list[str]:
    from gensim.corpora.wikicorpus import filter_wiki

    out = []
    for para in re.split(r"\n\s*\n", filter_wiki(text)):
        lines = [ln.strip() for ln in para.splitlines()]
        lines = [ln for ln in lines if ln and not ln.startswith(("=", "*", "|", "{", "!", "#", ":", ";"))]
        para = _MARKUP.sub("", " ".join(lines)).strip()
        if len(para.split()) >= 8:
            out.append(para)
    return out


def documents() -> list[tuple[str, list[str]]]:
    """``(title, paragraphs)`` of every document, news first, then Wikipedia, in file order."""
    from gensim.corpora.wikicorpus import extract_pages

    lee, wiki = sources()
    docs = [(f"Lee news {i + 1}", [line.strip()])
            for i, line in enumerate(lee.read_text(encoding="utf-8").splitlines()) if line.strip()]
    with bz2.open(wiki) as f:
        for title, text, _pageid in extract_pages(f):
            if text.lstrip().lower().startswith("#redirect"):
                continue
            paras = _wiki_paragraphs(text)
            if paras:
                docs.append((title, paras))
    return docs


def doc_tokens(paragraphs: list[str]) -> list[str]:
    """A document's tokens, EOS after each paragraph."""
    out: list[str] = []
    for p in paragraphs:
        out += tokenize(p)
        out.append(EOS)
    return out


def split() -> tuple[list[tuple[str, list[str]]], list[tuple[str, list[str]]]]:
    """(training documents, held-out documents): every HELDOUT_EVERY-th document is held out."""
    docs = documents()
    held = [d for i, d in enumerate(docs) if i % HELDOUT_EVERY == HELDOUT_EVERY - 1]
    train = [d for i, d in enumerate(docs) if i % HELDOUT_EVERY != HELDOUT_EVERY - 1]
    return train, held


def sentences(paragraphs: list[str]) -> list[str]:
    """The paragraphs cut into sentences at . ! ? followed by a space and a capital or quote."""
    out = []
    for p in paragraphs:
        out += [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"])", p) if len(s.split()) >= 4]
    return out
