"""Start the Qt application and the main window."""
from __future__ import annotations

import argparse
import sys


def run_gui(args: argparse.Namespace) -> int:
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    win = QMainWindow()
    win.setWindowTitle("Embedding Explorer")
    win.setCentralWidget(QLabel("Embedding Explorer"))
    win.resize(1200, 800)
    win.show()
    if args.screenshot:
        app.processEvents()
        win.grab().save(args.screenshot)
        return 0
    return app.exec()
