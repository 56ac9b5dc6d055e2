"""Image embeddings in 3D: the digit CNN's 500-wide layer of all 5,000 MNIST digits becomes the
active embedding set, so the point cloud shows it (PCA, t-SNE, UMAP, with its own progress and
cancel), coloured by the true label with the misclassified digits marked. Show counts
``session.activations.show_images``; the ActivationsController computes the set (progress in
``activations.activity``) and borrows it as the active set. The pad's digit is placed live into
the cloud (``session.cloud.probes``, by the ActivationsController) and its nearest digits are
shown here; clicking one, or a point in the cloud, loads it into the pad.

Beside it, what the layer is good for: k-nearest-neighbour accuracy of the held-out digits in
raw pixel space and in the 500-wide layer, and the trustworthiness of each 3D layout.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.inference.digit_layers import DigitInput
from core.projections.layout import METHOD_LABELS
from core.state.session import Session
from gui.lifetime import bind
from gui.task_runner import TaskRunner
from gui.widgets.digit_thumbs import DigitThumbs
from gui.widgets.inline_message import InlineMessage
from gui.widgets.progress_bar import LazyProgressBar

OWNER = "digits"  # who borrows the active set (session.borrow; the ActivationsController's owner too)


class ImageCloudPanel(QWidget):
    cloud_requested = Signal()  # the digits are in the cloud: the window shows it if its workspace hides it

    def __init__(self, session: Session, runner: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("image_cloud")
        self._session, self._a = session, session.activations
        self._active = False  # the digits are the active set

        self.show_button = QPushButton("Show the 5,000 digits in the cloud", objectName="images_show")
        self.back_button = QPushButton("Back", objectName="images_back", visible=False)
        self.progress = LazyProgressBar(object_name="images_progress", maximum=1000, maximum_width=160)
        self.progress.hide()
        self.message = InlineMessage()
        self.summary = QLabel(wordWrap=True, objectName="images_summary")
        self.knn = QLabel(wordWrap=True, objectName="images_knn")
        self.trust = QLabel(wordWrap=True, objectName="images_trust")
        self.nearest_title = QLabel(wordWrap=True)
        self.nearest = DigitThumbs(size=36)
        self.nearest.setObjectName("images_nearest")

        row = QHBoxLayout()
        row.addWidget(self.show_button)
        row.addWidget(self.progress)
        row.addStretch(1)
        back = QHBoxLayout()  # its own row: the panel fits a narrow column (gui.workspaces)
        back.addWidget(self.back_button)
        back.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addLayout(back)
        for w in (self.message, self.summary, self.knn, self.trust, self.nearest_title, self.nearest):
            lay.addWidget(w)
        lay.addStretch(1)

        self.show_button.clicked.connect(self.show_images)
        self.back_button.clicked.connect(self.go_back)
        self.nearest.clicked.connect(self._on_nearest_clicked)
        bind(self, session.events.embeddings, self._on_embeddings_changed)
        for e in (self._a.events.images, self._a.events.trust, self._a.events.nearest):
            bind(self, e, self._on_results_changed)
        bind(self, self._a.events.activity, self._on_activity_changed)
        bind(self, self._a.events.images_problem, self._on_problem_changed)
        self._on_embeddings_changed()
        self._on_activity_changed()
        self._on_problem_changed()

    # -- actions -------------------------------------------------------------------------------
    def show_images(self) -> None:
        """Show the digits in the cloud (the ActivationsController computes them once)."""
        if self._active:
            self.cloud_requested.emit()
        self._a.show_images += 1

    def go_back(self) -> None:
        self._session.give_back(OWNER)  # the cloud controller drops the digits' label colouring

    def _on_nearest_clicked(self, i: int) -> None:
        near, imgs = self._a.nearest, self._a.images
        if near is not None and imgs is not None and i < len(near.rows):
            self._a.digit = DigitInput.mnist(imgs.digits, int(near.rows[i]))

    def _on_activity_changed(self) -> None:
        act = self._a.activity
        self.progress.setVisible(act is not None)
        if act is not None:
            self.progress.setValue(int(act.fraction * 1000) if act.fraction >= 0 else 0)
            self.summary.setText(act.message)
        else:
            self._on_results_changed()

    def _on_problem_changed(self) -> None:
        problem = self._a.images_problem
        self.message.show_message(problem, "error") if problem else self.message.clear_message()

    # -- session ---------------------------------------------------------------------------------
    def _on_embeddings_changed(self) -> None:
        self._on_results_changed()
        imgs = self._a.images
        active = imgs is not None and self._session.embeddings is imgs.embeddings
        if active and not self._active:
            self.cloud_requested.emit()  # the window shows the cloud if the workspace hides it
        self._active = active
        self.show_button.setEnabled(not active)
        previous = self._session.lender(OWNER)
        self.back_button.setVisible(active and previous is not None)
        if previous is not None:
            self.back_button.setText(f"Back to {previous.name}")

    def _on_results_changed(self) -> None:
        imgs = self._a.images
        if imgs is None:
            self.summary.setText("The network's 500-wide layer (after its ReLU, just before the logits) is an image "
                                 "embedding: digits that look alike lie close together.")
            self.knn.setText("")
            self.trust.setText("")
        else:
            es = imgs.embeddings
            shown = (
                f"coloured by true label; {len(imgs.misclassified)} misclassified digits are marked. "
                "Click a point to load that digit into the pad."
                if self._session.embeddings is es
                else "not shown now: press the button to see them in the cloud."
            )
            self.summary.setText(
                f"{len(es):,} digits × {es.dim} dimensions, computed in {imgs.layer_seconds:.2f} s; " + shown
            )
            k = imgs.knn
            self.knn.setText(
                f"<b>{k.k}-nearest-neighbour accuracy</b> of the {k.n_test:,} held-out digits among the "
                f"{k.n_train:,} training digits: raw pixels <b>{k.pixels:.1%}</b>, 500-wide layer "
                f"<b>{k.layer:.1%}</b> (the network itself: {k.network:.1%})."
            )
            trust = " · ".join(f"{METHOD_LABELS.get(m, m)} {t:.3f}" for m, t, _ in self._a.trust)
            n = self._a.trust[0][2] if self._a.trust else 0
            self.trust.setText(
                f"<b>Trustworthiness</b> of the 3D layouts (k = 10, {n:,} digits): {trust}" if trust else ""
            )
        near = self._a.nearest
        if near is None or imgs is None:
            self.nearest_title.setText(
                "Draw a digit on the pad while the digits are shown: it is placed in the cloud, "
                "and its nearest digits in the 500-wide layer appear here."
            )
            self.nearest.clear()
            return
        labels = imgs.digits.labels[near.rows]
        self.nearest_title.setText("Nearest digits to the pad's digit in the 500-wide layer (cosine):")
        self.nearest.set_digits(
            imgs.digits.uint8(near.rows),
            [f"{s:.2f}" for s in near.similarity],
            tips=[f"#{r} (a {lb}), cosine {s:.3f}" for r, lb, s in zip(near.rows, labels, near.similarity)],
        )
