"""Inside the digit CNN: every layer of the pad's digit, the held-out digits that excite a clicked
unit, the MNIST digits the pad offers (read once the pad is shown), the 5,000 digits' 500-wide layer
as an embedding set (Show: computed once, then borrowed as the active set), and, while they are the
active set, the pad's digit placed live in the cloud with its nearest digits (``session.activations``,
``session.cloud.probes``).

Layers keep up with the pen without queueing stale frames: at most one job runs; a change that
arrives meanwhile only marks the input dirty, and when the job ends the latest input (never the
ones in between) is computed. Choosing a digit of the set in the cloud or the neighbours list
(the query "7 · #1234") loads that digit into the pad.
"""
from __future__ import annotations

import threading

from PySide6.QtCore import QObject

from core.inference.digit_embeddings import ImageSet, image_set_job, nearest, row_of_word
from core.inference.digit_layers import DigitInput, DigitLayers, digit_layers, top_units, unit_table_job, with_pictures
from core.inference.mnist import Digits, digits_job, load_digits
from core.progress import Job, Progress
from core.projections.quality import trustworthiness
from core.state.session import Session
from gui.controllers.job import RoomJob
from gui.lifetime import bind
from gui.task_runner import TaskRunner

LAYERS, UNITS, TRUST = "activations.layers", "activations.units", "activations.trust"
DIGITS, IMAGES = "activations.digits", "activations.images"
OWNER = "digits"  # who borrows the active set (session.borrow)


class ActivationsController(QObject):
    def __init__(self, session: Session, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.layers_job = RoomJob(runner, LAYERS, parent=self)
        self.units_job = RoomJob(runner, UNITS, parent=self)
        self.trust_job = RoomJob(runner, TRUST, parent=self)
        self.digits_job = RoomJob(runner, DIGITS, parent=self)
        self.images_job = RoomJob(runner, IMAGES, session.activations, parent=self)  # its `activity`
        self._clf = None
        self._clf_lock = threading.Lock()
        self._table = None  # per layer, (1000, units): the held-out digits' unit scores
        self._dirty = False
        a = session.activations
        bind(self, a.events.digit, self.request)
        bind(self, a.events.unit, self._request_unit)
        bind(self, a.events.pad_shown, self._read_digits)
        bind(self, a.events.show_images, self.show_images)
        for e in (a.events.layers, a.events.images, session.events.embeddings):
            bind(self, e, self._place)
        bind(self, a.events.images, self._on_images_changed)
        bind(self, session.neighbours.events.query, self._on_query_changed)
        bind(self, session.cloud.events.layout, self._request_trust)
        self.layers_job.finished.connect(self._on_layers_finished)

    def model(self):
        """The digit CNN, opened once (on a worker thread, by the first job that needs it)."""
        with self._clf_lock:
            if self._clf is None:
                from core.inference import registry  # onnxruntime is imported when a digit is first shown

                self._clf = registry.open(registry.DIGITS)
            return self._clf

    # -- every layer, coalesced ------------------------------------------------------------------
    def request(self, *_changed) -> None:
        a = self._session.activations
        source = a.digit
        if source is None:
            self._dirty = False
            self.layers_job.stop()
            a.layers = None
            return
        if self.layers_job.running:
            self._dirty = True  # computed when the running job ends: only the latest input
            return
        self._dirty = False

        def job() -> Job[DigitLayers]:
            yield Progress(-1, "every layer of the digit")
            return digit_layers(self.model(), source)

        self.layers_job.start(job, self._on_layers, label="digit layers",
                              on_error=lambda exc: self._on_layers(DigitLayers(source, error=str(exc))))

    def _on_layers(self, result: DigitLayers) -> None:
        self._session.activations.layers = result

    def _on_layers_finished(self) -> None:
        if self._dirty:
            self.request()

    # -- units --------------------------------------------------------------------------------------
    def _request_unit(self, *_changed) -> None:
        a = self._session.activations
        unit = a.unit
        if unit is None:
            self.units_job.stop()
            a.exciting = None
            return

        def job():
            yield Progress(-1, "the held-out digits")
            digits = load_digits()
            if self._table is None:
                self._table = yield from unit_table_job(self.model(), digits.images[digits.heldout])
            return with_pictures(top_units(self._table, unit[0], unit[1], digits.heldout, k=9), digits)

        def done(result) -> None:
            a.exciting = result

        self.units_job.start(job, done, label="digits that excite the unit", on_error=lambda exc: done(None))

    # -- the MNIST digits the pad offers ----------------------------------------------------------
    def _read_digits(self, *_changed) -> None:
        a = self._session.activations
        if a.pad_shown and a.mnist is None and not self.digits_job.running:
            self.digits_job.start(digits_job, self._on_digits, label="reading the MNIST digits",
                                  on_error=lambda exc: setattr(a, "mnist_problem", str(exc)))

    def _on_digits(self, digits: Digits) -> None:
        a = self._session.activations
        a.mnist, a.mnist_problem = digits, ""

    # -- the image cloud ----------------------------------------------------------------------------
    def show_images(self, *_changed) -> None:
        """Compute the image set once (with progress in ``activity``), then make it the active set."""
        a = self._session.activations
        if a.images is not None:
            self._activate(a.images)
            return
        if self.images_job.running:
            return
        a.images_problem = ""

        def job() -> Job[ImageSet]:
            return (yield from image_set_job(self.model(), load_digits()))

        self.images_job.start(job, self._activate, label="the 500-wide layer of 5,000 digits",
                              on_error=lambda exc: setattr(a, "images_problem", str(exc)))

    def _activate(self, imgs: ImageSet) -> None:
        s = self._session
        if s.embeddings is not imgs.embeddings:
            s.activations.images = imgs
            s.borrow(OWNER, imgs.embeddings)
        s.cloud.color_by = "meta:label"
        s.cloud.marked = tuple(int(r) for r in imgs.misclassified)
        s.status = f"showing {len(imgs.embeddings):,} digits in the 500-wide layer; {len(imgs.misclassified)} " \
                   f"misclassified are marked"

    def _images_active(self):
        imgs = self._session.activations.images
        return imgs if imgs is not None and self._session.embeddings is imgs.embeddings else None

    def _place(self, *_changed) -> None:
        """The pad's digit into the cloud and its nearest digits (a 5,000 x 500 product: < 1 ms)."""
        s, a = self._session, self._session.activations
        imgs, lay = self._images_active(), a.layers
        if imgs is None:  # another set is shown (set_embeddings cleared the probes)
            a.nearest = None
            return
        if lay is None or not lay.ok:
            a.nearest, s.cloud.probes = None, ()
            return
        vector = lay.activations["relu3"]
        a.nearest = nearest(imgs, vector, k=9)
        s.cloud.probes = ((f"pad: {lay.digit}", vector),)

    def _on_query_changed(self, *_changed) -> None:
        imgs, s = self._images_active(), self._session
        if imgs is None:
            return
        row = row_of_word(s.neighbours.query)
        current = s.activations.digit
        if 0 <= row < len(imgs.digits) and (current is None or current.kind != "mnist" or current.row != row):
            s.activations.digit = DigitInput.mnist(imgs.digits, row)

    def _on_images_changed(self, *_changed) -> None:
        self._session.activations.trust = ()

    def _request_trust(self, *_changed) -> None:
        imgs, layout = self._images_active(), self._session.cloud.layout
        if imgs is None or layout is None:
            return
        es, a = imgs.embeddings, self._session.activations

        def done(result: tuple[float, int]) -> None:
            if a.images is imgs:  # not another image set meanwhile
                kept = tuple(t for t in a.trust if t[0] != layout.method)
                a.trust = (*kept, (layout.method, result[0], result[1]))

        self.trust_job.start(lambda: trustworthiness(es, layout), done, label="trustworthiness of the layout")
