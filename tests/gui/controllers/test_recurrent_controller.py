"""The GRU's next words for the Next word prompt (RecurrentNextController): read once the Next word
panel is shown, kept in step with the prompt, an empty prompt clears them, unknown words are said."""
from __future__ import annotations

from core.inference import registry
from tests.models.helpers import built


def test_the_prompt_is_read_by_the_gru_once_next_word_is_shown(qtbot, session, controllers):
    built(registry.RNN)
    lang, m = session.language, session.language.recurrent.next
    lang.prompt = "the united"
    qtbot.wait(50)
    assert m.reading is None  # the Next word panel has not been shown: nothing opened
    lang.active = True
    qtbot.waitUntil(lambda: m.reading is not None, timeout=30000)
    top = [w for w, _ in m.reading.steps[-1].top]
    assert len(top) == 10 and {"states", "nations", "kingdom"} & set(top[:3])
    lang.prompt = "the prime minister"
    qtbot.waitUntil(lambda: m.reading.tokens == ["the", "prime", "minister"], timeout=10000)
    lang.prompt = "qqzzx"
    qtbot.waitUntil(lambda: "<unk>" in m.problem, timeout=10000)
    lang.prompt = ""
    qtbot.waitUntil(lambda: m.reading is None and m.problem == "", timeout=10000)
