"""Figures shared by every session of the server, keyed by the plain values that make them.

A class moves the same few sliders: most figures a student asks for, another student already
asked for. Building a plotly figure costs the server 5–50 ms (validators, deep copies), so each
is built once per server and re-sent after that (nothing mutates a figure once built). The
keys are tuples of numbers and strings, which Streamlit hashes cheaply (a dataclass argument is
pickled to be hashed). They live in a module, not in the pages, because a page re-runs its
decorators on every rerun (see ``pages/_race_views.py``).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from annviz import mnist_plots
from annviz.activation_plots import activation_figure, activation_point_figure, softmax_figure, stacked_layers_figure
from annviz.activations import ACTIVATIONS, softmax
from annviz.digit_plots import preparation_figure
from annviz.digits import DigitSteps, decode_image, prepare_digit
from annviz.numpy_mlp import load_dense_layers, mlp_probabilities
from annviz.mnist import flatten_and_scale, load_mnist
from annviz.pretrained import PRETRAINED, model_inputs
from annviz.small_cnn import load_cnn_layers
from annviz.network_plot import network_figure, neuron_figure
from annviz.playground import gradient_sizes
from annviz.playground_plots import gradient_size_figure
from annviz.neuron import neuron_output, stacked_layers_demo

#: Distinct figures kept per builder: a class's common settings, and a bound on the server's
#: memory (a figure is 0.1–1 MB of plotly objects).
ENTRIES = 64


@st.cache_resource(show_spinner=False)
def shared_mnist():
    """MNIST's uint8 arrays as Keras gives them, loaded once and shared read-only by every session."""
    splits = load_mnist()
    for array in (*splits[0], *splits[1]):
        array.setflags(write=False)
    return splits


@st.cache_resource(show_spinner=False, max_entries=ENTRIES)
def network_view(sizes: tuple[int, ...], activations: tuple[str, ...], animate: bool, height: int) -> go.Figure:
    return network_figure(sizes, activations=activations, animate=animate, height=height)


@st.cache_resource(show_spinner=False, max_entries=ENTRIES)
def neuron_views(
    x: tuple[float, ...], w: tuple[float, ...], b: float, activation: str
) -> tuple[go.Figure, go.Figure]:
    """The neuron's drawing and its point on the activation curve."""
    result = neuron_output(x, w, b, activation)
    return neuron_figure(result), activation_point_figure(activation, result.z, result.a)


@st.cache_resource(show_spinner=False, max_entries=ENTRIES)
def gradient_sizes_view(depth: int) -> go.Figure:
    """The playground's vanishing gradients: ‖∂L/∂W‖ per layer for sigmoid, tanh and ReLU at one depth."""
    return gradient_size_figure({ACTIVATIONS[name].label: gradient_sizes(depth, name) for name in ("sigmoid", "tanh", "relu")})


@st.cache_resource(show_spinner=False, max_entries=ENTRIES)
def activations_view(names: tuple[str, ...], reach: float) -> go.Figure:
    return activation_figure(list(names), z_range=(-reach, reach))


@st.cache_resource(show_spinner=False, max_entries=ENTRIES)
def softmax_view(logits: tuple[float, ...], temperature: float) -> go.Figure:
    z = np.array(logits)
    return softmax_figure(z, softmax(z, temperature=temperature), temperature=temperature)


@st.cache_resource(show_spinner=False, max_entries=ENTRIES)
def stacked_layers_view(units: int, seed: int, activation: str):
    """The collapse demo and its figure."""
    demo = stacked_layers_demo(hidden_units=units, seed=seed, activation=activation)
    return demo, stacked_layers_figure(demo)


@st.cache_resource(show_spinner=False)
def mnist_overview() -> tuple[go.Figure, go.Figure]:
    """The first digits of each class and the class counts (the explore tab's top row)."""
    (x_train, y_train), (_, y_test) = shared_mnist()
    grid = mnist_plots.digit_grid_figure(x_train, mnist_plots.first_of_each_class(y_train, 10))
    counts = mnist_plots.class_counts_figure(mnist_plots.class_counts(y_train), mnist_plots.class_counts(y_test))
    return grid, counts


@st.cache_resource(show_spinner=False, max_entries=ENTRIES)
def mnist_digit_views(index: int) -> tuple[go.Figure, go.Figure]:
    """Training image ``index`` as its 28×28 values and as the 784 inputs."""
    (x_train, _), _ = shared_mnist()
    image = x_train[index]
    flat = flatten_and_scale(image[None])[0]
    return (
        mnist_plots.digit_values_figure(image, title=f"x_train[{index}]: 28×28 pixel values (0 not written)"),
        mnist_plots.flattened_figure(flat, title=f"x_train[{index}].reshape(784) / 255: the 784 numbers the network receives"),
    )


@st.cache_resource(show_spinner=False)
def example_digit(index: int) -> tuple[DigitSteps, go.Figure]:
    """MNIST test image ``index`` enlarged 10× (a "drawing" of it), prepared, and its figure."""
    _, (x_test, _) = shared_mnist()
    steps = prepare_digit(np.kron(x_test[index], np.ones((10, 10), dtype=np.uint8)))
    return steps, preparation_figure(steps)


@st.cache_data(show_spinner=False, max_entries=4)
def prepared_upload(data: bytes) -> DigitSteps:
    """An uploaded photo decoded and prepared the MNIST way (a rerun does not decode it again)."""
    return prepare_digit(decode_image(data))


@st.cache_resource(show_spinner=False, max_entries=ENTRIES)
def prepared_drawing(digest: str, _image: np.ndarray) -> tuple[DigitSteps, go.Figure]:
    """A canvas drawing prepared the MNIST way and its figure, by the digest of its pixels: a
    rerun that changed something else (the model) does not prepare the same drawing again."""
    steps = prepare_digit(_image)
    return steps, preparation_figure(steps)


@st.cache_resource(show_spinner=False)
def shipped_mlp(name: str) -> tuple:
    """A shipped MLP's layers as read-only NumPy arrays (no TensorFlow: the server runs MLPs in NumPy)."""
    return _read_only(load_dense_layers(name))


@st.cache_resource(show_spinner=False)
def shipped_cnn(name: str) -> tuple:
    """The shipped small CNN's layers as read-only NumPy arrays: one digit's forward pass is about a
    millisecond in the server, faster than a round trip to a Keras process."""
    return _read_only(load_cnn_layers(PRETRAINED[name].weights_path))


def _read_only(layers: tuple) -> tuple:
    """Lock the weights of shared layers (pooling and flatten layers have none)."""
    for layer in layers:
        for array in (getattr(layer, "kernel", None), getattr(layer, "bias", None)):
            if array is not None:
                array.setflags(write=False)
    return layers


@st.cache_resource(show_spinner="Running the shipped MLP on the 10,000 test images (once per server)…")
def shipped_mlp_test_probabilities(name: str) -> np.ndarray:
    """The shipped MLP's probabilities on the 10,000 test images, computed once per server in NumPy."""
    _, (x_test, _) = shared_mnist()
    probabilities = mlp_probabilities(shipped_mlp(name), model_inputs(name, x_test))
    probabilities.setflags(write=False)
    return probabilities


@st.cache_resource(show_spinner=False)
def shuffle_equivalence() -> tuple[float, float, float, float]:
    """The original MLP on the test set, the same MLP with its first layer permuted on shuffled
    test images (accuracies, largest probability difference), and the correlation of the shipped
    shuffled MLP's first-layer weights with the permuted original's. Once per server, in NumPy."""
    from annviz.limitations import permuted_first_layer
    from annviz.metrics import accuracy
    from annviz.mnist import pixel_permutation
    from annviz.pretrained import SHUFFLE_SEED, shuffle_pixels

    (_, _), (x_test, y_test) = shared_mnist()
    original = shipped_mlp("mlp")
    perm = pixel_permutation(SHUFFLE_SEED)
    renamed = permuted_first_layer(original, perm)
    p_original = mlp_probabilities(original, flatten_and_scale(x_test))
    p_renamed = mlp_probabilities(renamed, flatten_and_scale(shuffle_pixels(x_test)))
    trained = shipped_mlp("mlp_shuffled")[0].kernel
    r = float(np.corrcoef(trained.ravel(), renamed[0].kernel.ravel())[0, 1])
    return (accuracy(y_test, p_original.argmax(axis=1)), accuracy(y_test, p_renamed.argmax(axis=1)),
            float(np.abs(p_original - p_renamed).max()), r)


@st.cache_resource(show_spinner=False)
def never_inked_pixels() -> int:
    """Pixels that are 0 in all 54,000 images the shipped MLP learnt from (the last 6,000 validate)."""
    from annviz.training_config import TrainingConfig

    (x_train, _), _ = shared_mnist()
    learnt_from = x_train[: TrainingConfig().train_size].reshape(-1, 784)
    return int((learnt_from.max(axis=0) == 0).sum())
