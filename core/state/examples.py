"""The guided examples and the workspaces they open (Qt-free).

Each example is one of the experiments the material this app explains is built around: the words it
types, the workspace it opens, what to look at and why it matters. :func:`apply` puts its inputs into
the Session (the controllers then compute as if a person had typed them); the window raises the
example's panel, runs its panel action if it has one (a button a person would press) and highlights
the widget to look at.

    ex = EXAMPLES["king_queen"]
    apply(ex, session)          # session.arithmetic.expression = "king - man + woman"
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..embeddings.directions import PRESET_PROBES, PRESETS
from ..errors import InputError
from ..inference.sampling import Sampling

WORKSPACES: dict[str, str] = {  # name (--workspace NAME) -> title (the bar at the top of the window)
    "words": "Words",
    "language": "Language model",
    "network": "Inside a network",
    "train": "Train",
}


@dataclass(frozen=True)
class Example:
    name: str  # --example NAME
    title: str
    workspace: str  # a key of WORKSPACES
    why: str  # one or two sentences: why it matters
    look: str  # what to look at (shown when it opens)
    panel: str  # the dock to raise ("" = the cloud)
    focus: str = ""  # objectName of the widget to highlight in that panel ("" = the whole panel)
    inputs: tuple[tuple[str, Any], ...] = ()  # ("arithmetic.expression", "king - man + woman"), ...
    action: str = ""  # a panel method to call once shown (a button a person would press), "" = none
    action_args: tuple = field(default=())
    focus_panel: str = ""  # highlight in this dock instead of ``panel`` ("" = the same)


def _pairs(name: str) -> str:
    return ", ".join(f"{a} -> {b}" for a, b in PRESETS[name])


EXAMPLES: dict[str, Example] = {e.name: e for e in [
    Example("king_queen", "king − man + woman", "words",
            "Word vectors turn meaning into directions: taking 'man' away from 'king' and adding 'woman' lands "
            "next to 'queen', although nobody told the model what a king is.",
            "The calculator's top answer, and the arrows in the cloud from king to the result.",
            "calculator", "calculator_results", (("arithmetic.expression", "king - man + woman"),)),
    Example("sushi_germany", "sushi − japan + germany", "words",
            "The same arithmetic works for food and countries: what sushi is to Japan, this is to Germany.",
            "The answers: German dishes and drinks rank high.",
            "calculator", "calculator_results", (("arithmetic.expression", "sushi - japan + germany"),)),
    Example("plural", "The plural direction", "words",
            "cat→cats, dog→dogs and car→cars point the same way: one direction in the space means 'more than one'.",
            "Each probe word's score along the direction: plural nouns and numbers above two score high.",
            "directions", "", (("directions.pairs", _pairs("plural")),
                               ("directions.probes", ", ".join(PRESET_PROBES["plural"])))),
    Example("tower", "The neighbours of “tower”", "words",
            "Nearby things get nearby numbers: the words closest to 'tower' are its kind of thing.",
            "The neighbours list, and the same words highlighted in the 3D cloud.",
            "neighbours", "neighbours_table", (("neighbours.query", "tower"),)),
    Example("once_upon", "“Once upon a” …", "language",
            "A language model turns a text into probabilities over all 49,152 tokens it knows; ' time' wins "
            "because fairy tales start that way.",
            "The bars: ' time' first. Click it to append it and see what comes next.",
            "next_word", "next_word_bars", (("language.prompt", "Once upon a"), ("language.sampling", Sampling()))),
    Example("temperature", "Temperature", "language",
            "Sampling divides the scores by a temperature before the softmax: below 1 the favourite takes "
            "almost everything, above 1 unlikely words get a chance.",
            "Drag the temperature slider and watch the bars sharpen or flatten.",
            "next_word", "temperature",
            (("language.prompt", "Once upon a"), ("language.sampling", Sampling(temperature=1.6)))),
    Example("capital_france", "“The capital of France is” in the logit lens", "language",
            "Reading every layer's hidden state through the output layer shows where the answer forms: "
            "' Paris' appears only in the top layers.",
            "The grid: each row is a layer, the last column is the next word; ' Paris' wins near the top.",
            "logit_lens", "", (("language.prompt", "The capital of France is"),)),
    Example("mask_throne", "“The [MASK] sat on the throne.”", "language",
            "Filling a gap uses the words on both sides: who sits on a throne?",
            "The ranked fills: king and queen near the top.",
            "masked_word", "", (("language.masked.sentence", "The [MASK] sat on the throne."),)),
    Example("bank", "“bank” by a river and at a bank", "language",
            "The same word gets a different vector in each sentence: a river bank and a savings bank part "
            "ways as the layers read the context.",
            "The similarity matrix: sentences of the same sense agree; the paths separate in later layers.",
            "contextual", "", (("language.contextual.word", "bank"),)),
    Example("draw_seven", "Draw a 7 and watch every layer", "network",
            "A digit classifier is a stack of layers; each turns the picture into a new list of numbers, and "
            "the layer before the softmax is an image embedding.",
            "Every layer's activations, from the strokes to the ten class scores (7 wins).",
            "draw_pad", "", (), focus_panel="digit_layers", action="draw_example", action_args=(7,)),
    Example("digits_cloud", "5,000 digits as image embeddings", "network",
            "Take the 500 numbers of the layer before the softmax for each of 5,000 digits and project them: "
            "the digits sort themselves into ten islands.",
            "The 3D cloud, coloured by label; the misclassified digits are marked.",
            "image_cloud", "images_show", (), action="show_images"),
    Example("train_news", "Train word2vec on the news", "train",
            "Word vectors are learned by predicting words from their neighbours; watch a model learn from "
            "300 news texts, epoch by epoch.",
            "The loss falling and the probe words' neighbours becoming sensible.",
            "train", "", (("training.corpus", "lee"),), action="start"),
    Example("search_news", "Search the news by meaning", "language",
            "A sentence encoder puts a whole sentence into one vector; passages near the query's vector are "
            "about the same thing even with no word in common.",
            "The hits for the query: fires and firefighters, with no word shared.",
            "search", "", (("language.search.query", "bushfires threaten homes near Sydney"),)),
]}


def example(name: str) -> Example:
    """The example of this name; InputError listing the names otherwise."""
    try:
        return EXAMPLES[name]
    except KeyError:
        raise InputError(f"no example named {name!r}; examples: {', '.join(EXAMPLES)}") from None


def apply(ex: Example, session) -> None:
    """Put the example's inputs into the Session (dotted paths from the Session down)."""
    for path, value in ex.inputs:
        *parents, leaf = path.split(".")
        target = session
        for p in parents:
            target = getattr(target, p)
        if not hasattr(target, leaf):
            raise AttributeError(f"example {ex.name}: the Session has no {path}")
        setattr(target, leaf, value)
