"""The app's pages, in the lecture's order: one table that app.py, the Overview and the tests read.

Plain data, no Streamlit: ``app.py`` turns each row into an ``st.Page``, ``pages/home.py`` links
every row but its own with the row's sentence, and the browser tests, the fuzz and the
benchmarks visit every row. Only pages that fully work are listed.

>>> pages = listed_pages()
>>> pages[0].default, pages[0].url_path, pages[0].runnable_script
(True, '', 'app.py')
>>> [page.url_path for page in pages if page.lecture_section == 7]
['mnist', 'draw']
>>> list(sections())
['Start', 'Foundations', 'Training', 'Evaluation & limits', 'In the room']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_SECTION_NUMBER = re.compile(r"^p(\d+)")


@dataclass(frozen=True)
class ListedPage:
    """One page of the navigation: its script, sidebar title and icon, address and Overview sentence."""

    section: str
    script: str
    title: str
    icon: str
    url_path: str
    what: str = ""
    default: bool = False

    @property
    def name(self) -> str:
        """The page file's stem (``p2_neuron``), used for screenshot and report names."""
        return Path(self.script).stem

    @property
    def lecture_section(self) -> int | None:
        """The lecture section number in the file name (``p7_mnist.py`` → 7), if any."""
        match = _SECTION_NUMBER.match(self.name)
        return int(match.group(1)) if match else None

    @property
    def runnable_script(self) -> str:
        """The script ``AppTest.from_file`` can run for this page: the default page links to the
        others (``st.page_link``), which resolves only inside app.py's navigation, so it runs
        through ``app.py``; every other page runs alone."""
        return "app.py" if self.default else self.script

    @property
    def source(self) -> str:
        return (ROOT / self.script).read_text()

    def url(self, base_url: str) -> str:
        """The page's address on a running server (the default page lives at the root)."""
        return f"{base_url}/{self.url_path}"


_FOUNDATIONS, _TRAINING, _EVALUATION = "Foundations", "Training", "Evaluation & limits"

PAGES: tuple[ListedPage, ...] = (
    ListedPage("Start", "pages/home.py", "Overview", ":material/home:", "", default=True),
    ListedPage(
        _FOUNDATIONS, "pages/p1_ann.py", "1 · What is an ANN", ":material/hub:", "ann",
        "Neuron ↔ artificial neuron; the 3-4-1 network and its 16 + 5 = 21 parameters.",
    ),
    ListedPage(
        _FOUNDATIONS, "pages/p2_neuron.py", "2 · Single neuron", ":material/function:", "neuron",
        "z = w·x + b by hand (the lecture's 4.2), for a batch, and checked by a Keras Dense layer.",
    ),
    ListedPage(
        _FOUNDATIONS, "pages/p3_layers.py", "3 · Layers & parameters", ":material/stacks:", "layers",
        "Build any dense network: inputs × neurons + neurons per layer, the total, the Keras code.",
    ),
    ListedPage(
        _FOUNDATIONS, "pages/p4_activations.py", "4 · Activations", ":material/show_chart:", "activations",
        "Sigmoid, tanh, ReLU… with derivatives; softmax with temperature; why non-linearity.",
    ),
    ListedPage(
        _FOUNDATIONS, "pages/p4b_playground.py", "4 · Playground", ":material/scatter_plot:", "playground",
        "A small network learns 2-D points, exactly as Keras's fit; backpropagation by hand; vanishing gradients.",
    ),
    ListedPage(
        _TRAINING, "pages/p5_optimizers.py", "5 · Optimizers", ":material/sports_score:", "optimizers",
        "SGD, momentum, RMSprop and Adam race on a loss surface, exactly as Keras steps.",
    ),
    ListedPage(
        _TRAINING, "pages/p6_keras_workflow.py", "6 · Keras workflow", ":material/code_blocks:", "keras-workflow",
        "Define, compile, fit, evaluate: a form that writes the Keras program it runs.",
    ),
    ListedPage(
        _TRAINING, "pages/p7_mnist.py", "7 · MNIST", ":material/model_training:", "mnist",
        "The digits, flattened to 784 and scaled; train live with a Stop button.",
    ),
    ListedPage(
        _TRAINING, "pages/p7_draw.py", "7 · Draw a digit", ":material/draw:", "draw",
        "Draw a digit or upload a photo; see the 28×28 input and the model's answer.",
    ),
    ListedPage(
        _EVALUATION, "pages/p8_metrics.py", "8 · Metrics", ":material/grid_on:", "metrics",
        "The 5/7 worked example; MNIST's confusion matrix opening onto its mistakes; imbalance.",
    ),
    ListedPage(
        _EVALUATION, "pages/p9_limitations.py", "9 · Limitations", ":material/block:", "limitations",
        "A 7 shifted a few pixels, shuffled pixels, 15,360,512 parameters; a first CNN.",
    ),
    ListedPage(
        "In the room", "pages/class_page.py", "Class", ":material/groups:", "class",
        "Join the lecture's class from your phone: follow the lecturer's steps, predict and vote before each demo.",
    ),
)


def listed_pages() -> list[ListedPage]:
    """Every page of the navigation, in order (the default page first)."""
    return list(PAGES)


def sections() -> dict[str, list[ListedPage]]:
    """The pages grouped by their sidebar section, in order."""
    grouped: dict[str, list[ListedPage]] = {}
    for page in PAGES:
        grouped.setdefault(page.section, []).append(page)
    return grouped
