"""The one evented state every panel observes (Qt-free): small models nested in a Session.

    session.neighbours.events.query.connect(on_query_changed)
    session.neighbours.query = "king"     # fires only if the value really changed
    session.embeddings = es               # or set_embeddings(es): also clears what indexed the old set

Each room keeps its own model (neighbours, arithmetic, directions, benchmarks, cloud, activations,
training); what they share
(the active set, the selection, the hovered word, the status line) sits on the Session.
Inputs are plain fields that panels write. Results (``lookup``, ``outcome``, ``layout``) are
computed by controllers (gui/controllers) and stored here whole: one
field per result, so no field has to be set before another, and a result exists whether
or not the panel that shows it is open. Only the GUI thread changes the Session.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from psygnal import evented

from ..embeddings.arithmetic import ArithmeticResult, Outcome
from ..embeddings.directions import DirectionScores
from ..embeddings.embedding_set import EmbeddingSet
from ..embeddings.neighbours import Lookup
from ..embeddings.search.base import Engines, SearchBackend
from ..embeddings.training import TrainingRun, TrainingSettings
from ..inference.any_model import InputChoice, TensorValues
from ..inference.digit_embeddings import ImageSet, Nearest
from ..inference.digit_layers import DigitInput, DigitLayers, Exciting
from ..inference.mnist import Digits
from ..inference.onnx_worker import Listing
from ..inference.sampling import Sampling
from ..projections.layout import Layout
from ..release import release_later
from .attention import AttentionState
from .benchmarks import BenchmarksState
from .compare import CompareState
from .language_views import Activity, ContextualState, LensState, SearchState
from .recurrent import RecurrentState

if TYPE_CHECKING:  # the language room's results; onnxruntime is imported only when a model opens
    from ..inference.distribution import Distribution
    from ..inference.masked_fill import Fills
    from ..inference.trace import Trace


def _same(a: Any, b: Any) -> bool:
    """Results compare by identity: a new result object is news even if it holds equal values."""
    return a is b


@evented(equality_operators={"lookup": _same, "engines": _same})
@dataclass
class NeighboursState:
    """Nearest neighbours of a typed word, and the search backend that finds them."""

    query: str = ""  # what the user typed
    metric: str = "cos"  # cos | euclid | dot
    k: int = 10
    restrict: int = 0  # search only the N most frequent words; 0 = the whole vocabulary
    backend: str = "exact"  # exact | hnsw | milvus: the user's choice (the calculator and benchmarks use it too)
    lookup: Lookup | None = None  # result for `query` with these settings (NeighboursController)
    engines: Engines | None = None  # the backends at hand for the open set (BackendController)

    def chosen_backend(self) -> SearchBackend | None:
        """The backend to ask (None: exact search); a Milvus collection opened by itself is always asked."""
        return self.engines.get(self.backend) if self.engines is not None else None


@evented(equality_operators={"outcome": _same})
@dataclass
class ArithmeticState:
    """Word arithmetic: ``king - man + woman`` or ``man : king :: woman : ?``."""

    expression: str = ""
    method: str = "add"  # add (3CosAdd) | mul (3CosMul)
    exclude_inputs: bool = True
    in_selection: bool = False  # the answer only among the selected words (session.selection)
    outcome: Outcome | None = None  # result or problem for `expression` (ArithmeticController)

    @property
    def result(self) -> ArithmeticResult | None:
        return self.outcome.result if self.outcome is not None else None


@evented(equality_operators={"outcome": _same})
@dataclass
class DirectionsState:
    """A semantic direction from word pairs, and words placed along it."""

    pairs: str = "cat -> cats, dog -> dogs, car -> cars, house -> houses"
    probes: str = "one, two, three, four, five"
    orthogonal: str = ""  # a preset whose direction is removed from this one ("" = none)
    from_selection: bool = False  # place the selected words (session.selection) instead of ``probes``
    outcome: DirectionScores | None = None  # (DirectionsController)


_CLOUD_RESULTS = ("layout", "probes", "first_map", "live", "placed", "links", "target", "overlay", "clusters",
                  "trust", "placed_probes", "export")


@evented(equality_operators=dict.fromkeys(_CLOUD_RESULTS, _same))
@dataclass
class CloudState:
    """The 3D point cloud: which words, how they are projected and coloured, and the layout shown.

    The cloud panel writes the inputs; the CloudController runs the jobs and writes the results."""

    point_count: int = 10000  # the N most frequent words (plus words in use)
    method: str = "pca"  # pca | tsne | umap | axes
    params: tuple[tuple[str, Any], ...] = ()
    color_by: str = "frequency"  # frequency | clusters | meta:<column>
    clusters_k: int = 12  # k of the k-means colouring
    top_labels: int = 20  # the N most frequent points on show are labelled
    true_neighbours: bool = True  # lines from selected words to their true neighbours
    names: bool = True  # cluster names over the map
    sprites: bool = True  # a set with pictures (es.images: the digits, a sprite sheet) draws them as the points
    density: bool = False  # the density view: contours and shading in 2D, opacity by local density in 3D
    active: bool = False  # a cloud panel exists: the CloudController projects only then
    run: int = 0  # Run pressed (a counter): project with the settings as they are
    cancel: int = 0  # Cancel pressed (a counter): the running projection stops
    export: Any = None  # the latest export asked for (core.projections.cloud_jobs.ExportRequest)
    # Vectors that are no row of the set, placed live into the layout and drawn highlighted with
    # their label: ((label, vector of the set's width), ...) (a drawn digit in the image cloud).
    probes: tuple[tuple[str, Any], ...] = ()
    marked: tuple[int, ...] = ()  # rows drawn marked (misclassified digits)
    # Lines through rows of the set, drawn over the cloud: ((rows, (r, g, b, a), labels), ...); labels has
    # one string per row ("" for none) (a word's trajectory through a model's layers).
    polylines: tuple[tuple[tuple[int, ...], tuple[float, ...], tuple[str, ...]], ...] = ()
    select_tool: str = ""  # "" (drag orbits) | box | lasso: a left drag selects (Shift adds, Ctrl removes)
    isolated: tuple[int, ...] = ()  # Isolate: only these rows are projected (with the method on show); () = all
    grey_unselected: bool = True  # with two or more rows selected, the others are drawn grey
    # the selection written to a file: (kind, path), kind words | vectors | tsv (core.projections.selection)
    export_selection: tuple[str, str] | None = None
    saved: str = ""  # what the last export of the selection wrote
    camera: dict = field(default_factory=dict)  # a camera to restore (a saved view): the panel applies it, then {}
    # -- results (CloudController) -------------------------------------------------------------
    layout: Layout | None = None  # the finished projection on screen
    first_map: Any = None  # the open set's stored first map (core.projections.first_map.FirstMap), if any
    live: Any = None  # the projection running now (cloud_jobs.LiveProjection: t-SNE's intermediate layouts)
    stale: bool = False  # the settings changed since `layout` was made (t-SNE and UMAP wait for Run)
    placed: dict[int, Any] = field(default_factory=dict)  # words outside `layout` placed into it: row -> xyz
    links: tuple[tuple[int, int], ...] = ()  # a placed word -> its true neighbours
    target: tuple[str, Any] | None = None  # (arithmetic key, xyz): where the expression's vector lands
    overlay: tuple[tuple[int, int], ...] = ()  # a selected word -> its true neighbours among the points
    clusters: Any = None  # k-means of `layout` (core.projections.cluster_names.Clusters) when coloured by them
    # the names of `layout` at a few granularities, broadest first (cluster_names.named_levels) when no first
    # map names it: (Clusters, ...), or None
    named: Any = None
    trust: tuple[float, int] | None = None  # trustworthiness of `layout` (k=10) and its sample size
    placed_probes: tuple[tuple[str, Any], ...] = ()  # `probes` placed into `layout`: (label, xyz)
    activity: Activity | None = None  # the projection's progress
    problem: str = ""  # an expected problem of a cloud job (a projection, k-means, an export), shown inline


@evented(equality_operators={"graph": _same, "choice": _same, "values": _same})
@dataclass
class OnnxLayersState:
    """Any ONNX model's tensors (File > Open ONNX model...)."""

    path: str = ""  # the model file
    chosen: tuple[str, ...] = ()  # the tensors to fetch and draw
    choice: InputChoice = field(default_factory=InputChoice)  # what is fed to it
    graph: Listing | None = None  # the opened model's tensors and inputs (OnnxLayersController)
    values: TensorValues | None = None  # the chosen tensors for `choice` (OnnxLayersController)
    problem: str = ""  # why the model could not be opened or run ("" when all is well)


@evented(equality_operators={"digit": _same, "layers": _same, "exciting": _same, "images": _same,
                             "nearest": _same, "mnist": _same})
@dataclass
class ActivationsState:
    """Inside the digit CNN: the pad's input, every layer, units, and the image-embedding cloud."""

    digit: DigitInput | None = None  # drawn, picked from MNIST, or a file (the draw pad); None = empty pad
    unit: tuple[str, int] | None = None  # a clicked unit: (layer, index)
    pad_shown: bool = False  # the draw pad has been shown: the MNIST digits are read then
    show_images: int = 0  # "Show the 5,000 digits" pressed (a counter): computed once, then the active set
    layers: DigitLayers | None = None  # every layer for `digit`, or its problem (ActivationsController)
    exciting: Exciting | None = None  # the held-out digits that excite `unit` most (ActivationsController)
    mnist: Digits | None = None  # the MNIST digits, read once the pad is shown (ActivationsController)
    mnist_problem: str = ""  # why they could not be read (the pad shows it)
    images: ImageSet | None = None  # the 5,000 digits in the 500-wide layer (ActivationsController)
    activity: Activity | None = None  # computing `images` (the image cloud panel's progress)
    images_problem: str = ""  # why `images` could not be computed (the image cloud panel shows it)
    nearest: Nearest | None = None  # digits nearest to the pad's digit in that layer (ActivationsController)
    trust: tuple[tuple[str, float, int], ...] = ()  # (method, trustworthiness, sample) of each layout of them
    onnx: OnnxLayersState = field(default_factory=OnnxLayersState)


@dataclass(frozen=True, eq=False)
class TrainingRequest:
    """A press of Train (or Compare): what to train, as it was when pressed."""

    corpus: str
    settings: TrainingSettings
    probes: tuple[str, ...] = ()  # () = the corpus's own probe words
    compare: bool = False  # also train the other architecture (same corpus and seed)


@dataclass(frozen=True, eq=False)
class SaveRequest:
    """A press of Save…: an epoch of the run written to a file (word2vec text or the app's folder)."""

    path: str
    fmt: str | None = None  # word2vec-text | folder | None (by the path)
    epoch: int = -1  # an index into ``run.epochs``; -1 = the latest


@evented(equality_operators={"request": _same, "run": _same, "other": _same, "save": _same})
@dataclass
class TrainingState:
    """Training word2vec: the settings, the request (Train / Compare), and the runs with one record per epoch."""

    corpus: str = "lee"  # lee | head500 (gensim's test data) | the path of a text file
    settings: TrainingSettings = TrainingSettings()
    probes: str = ""  # words whose neighbours are followed, comma-separated ("" = the corpus's defaults)
    request: TrainingRequest | None = None  # the TrainingController starts it
    run: TrainingRun | None = None  # the run in progress or finished (its architecture drives the cloud)
    other: TrainingRun | None = None  # the other architecture, after Compare
    epoch: int = -1  # the epoch on show as the active set; -1 follows the latest
    problem: str = ""  # why the last request failed ("" = none); the train panel shows it
    activity: Activity | None = None  # the training job's progress (TrainingController)
    cancel: int = 0  # Cancel pressed (a counter): the training job stops, the epochs so far are kept
    save: SaveRequest | None = None  # the TrainingController writes it; a problem goes to `problem`
    saved: str = ""  # what the last save wrote ("Saved 1,799 words to …")


@dataclass(frozen=True)
class ModelInfo:
    """The language model in use, as the panels show it."""

    name: str
    provider: str
    precisions: tuple[str, ...]  # what the precision choice offers ("auto", "fp32", "q4") or ("fp32",)
    description: str = ""
    notice: str = ""  # a provider fallback or unusable 4-bit files, in one line
    vocab_size: int = 0
    max_positions: int | None = None


@evented(equality_operators={"fills": _same})
@dataclass
class MaskedWordState:
    """A sentence with one [MASK]: candidate words scored by the causal model (MaskedWordController)."""

    active: bool = False  # the panel has been shown: scoring starts only then
    sentence: str = "The [MASK] sat on the throne."  # the committed sentence (Enter / Fill)
    chosen: str = ""  # the candidate clicked, shown filled in
    fills: Fills | None = None
    activity: Activity | None = None
    cancel: int = 0  # the panel's Cancel adds one: the running job stops (gui.controllers.job.RoomJob)
    problem: str = ""  # an expected problem ([MASK] missing or twice, no model), shown inline


@evented(equality_operators={"trace": _same, "view": _same, "info": _same})
@dataclass
class LanguageModelState:
    """The next word: a prompt read by a language model, tokens appended one step at a time, and
    the next token's distribution under the sampling settings (LanguageController)."""

    active: bool = False  # a language panel has been shown: the model is opened only then
    model_path: str = ""  # "" = the built SmolLM2-135M; else a folder with an Optimum-layout decoder
    precision: str = "auto"  # auto | fp32 | q4 (auto: the 4-bit files for short passes when faithful)
    prompt: str = ""
    appended: tuple[int, ...] = ()  # token ids after the prompt (bar clicks, Sample, Generate); Undo drops one
    generating: int = 0  # tokens still to sample (Sample: 1, Generate: N); set 0 to stop
    sampling: Sampling = Sampling()  # temperature, top-k, top-p and seed; replaced whole
    n_top: int = 10
    show_logits: bool = False  # bars show logits (before the softmax) instead of probabilities
    info: ModelInfo | None = None
    trace: Trace | None = None  # the prompt and the appended tokens as read, with their key/value cache
    view: Distribution | None = None  # trace's next token under `sampling` (re-rendered without the model)
    activity: Activity | None = None
    cancel: int = 0  # Cancel adds one: reading or generating stops (gui.controllers.job.RoomJob)
    problem: str = ""  # an expected problem (model not built, prompt unreadable), shown inline
    masked: MaskedWordState = field(default_factory=MaskedWordState)
    lens: LensState = field(default_factory=LensState)
    contextual: ContextualState = field(default_factory=ContextualState)
    search: SearchState = field(default_factory=SearchState)
    recurrent: RecurrentState = field(default_factory=RecurrentState)
    attention: AttentionState = field(default_factory=AttentionState)

    @property
    def current(self) -> bool:
        """The trace answers the inputs as they are now (bars can be clicked)."""
        t = self.trace
        return (t is not None and t.prompt == self.prompt and t.appended == self.appended
                and t.precision == self.precision and not self.generating)


@evented(equality_operators={"embeddings": _same, "loans": _same})
@dataclass
class Session:
    embeddings: EmbeddingSet | None = None  # the active set
    selection: tuple[int, ...] = ()  # rows of `embeddings`, linked across panels
    hover: int = -1  # the row under the pointer, -1 for none
    status: str = ""  # the status bar's message
    neighbours: NeighboursState = field(default_factory=NeighboursState)
    arithmetic: ArithmeticState = field(default_factory=ArithmeticState)
    directions: DirectionsState = field(default_factory=DirectionsState)
    benchmarks: BenchmarksState = field(default_factory=BenchmarksState)
    compare: CompareState = field(default_factory=CompareState)
    cloud: CloudState = field(default_factory=CloudState)
    activations: ActivationsState = field(default_factory=ActivationsState)
    training: TrainingState = field(default_factory=TrainingState)
    language: LanguageModelState = field(default_factory=LanguageModelState)
    # Sets to give back: (owner, the set that was active when the owner borrowed the active set) (borrow)
    loans: tuple[tuple[str, EmbeddingSet], ...] = ()

    def set_embeddings(self, es: EmbeddingSet | None) -> None:
        """Switch sets: selections and results that index the old set are cleared first. The old set
        and its search engines are freed later, off this thread (see core.release)."""
        if es is not self.embeddings:
            release_later(self.embeddings, self.neighbours.engines, self.cloud.layout)
        self.selection = ()
        self.hover = -1
        self.neighbours.lookup = None
        self.neighbours.engines = None
        self.arithmetic.outcome = None
        self.directions.outcome = None
        self.cloud.layout = None
        self.cloud.probes = ()
        self.cloud.marked = ()
        self.cloud.polylines = ()
        self.cloud.isolated = ()
        self.embeddings = es

    # -- borrowing the active set ---------------------------------------------------------------
    def borrow(self, owner: str, es: EmbeddingSet) -> None:
        """Make ``es`` the active set for a while (the digits' image cloud, a word's trajectories, the
        passages): the set active now is kept, once per owner, until :meth:`give_back`."""
        if es is self.embeddings:
            return
        if self.lender(owner) is None and self.embeddings is not None:
            self.loans = (*self.loans, (owner, self.embeddings))
        self.set_embeddings(es)

    def lender(self, owner: str) -> EmbeddingSet | None:
        """The set ``owner`` would give back (its "Back to …" button), or None when it borrowed none."""
        return next((es for o, es in self.loans if o == owner), None)

    def give_back(self, owner: str) -> bool:
        """The set that was active before ``owner`` borrowed is active again; False when it borrowed none."""
        es = self.lender(owner)
        if es is None:
            return False
        self.loans = tuple(loan for loan in self.loans if loan[0] != owner)
        self.set_embeddings(es)
        return True

    def select_words(self, words: list[str]) -> None:
        """Select these words (those in the vocabulary)."""
        es = self.embeddings
        if es is None:
            return
        self.selection = tuple(r.index for r in (es.find(w) for w in words) if r is not None)
