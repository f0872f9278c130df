"""Section 9: why a dense network is the wrong tool for images, measured with the shipped models."""

from __future__ import annotations

import inspect
from functools import partial

import numpy as np
import streamlit as st

from annviz import limitation_plots as plots
from annviz import limitations as lim
from annviz.formatting import format_count, format_megabytes
from annviz.numpy_mlp import layer_outputs
from annviz.pretrained import PRETRAINED, SHUFFLE_SEED, model_inputs, read_manifest, shuffle_pixels
from annviz.serving.keras_models import BUILDERS as KERAS_BUILDERS  # their source only: Keras is imported inside
from annviz.small_cnn import layer_param_counts
from annviz.training_config import TrainingConfig
from pages._exercises import check_yourself
from pages._figures import shared_mnist, shipped_cnn, shipped_mlp, shuffle_equivalence
from pages._serving import when_measured
from pages._lecture import on_screen
from pages._ui import page_header, shown_as_error

TABS = ("The shifted 7", "Pixel shuffling", "Parameter explosion", "A first look at CNNs")
#: The curves' models: label → (shipped model, how it runs). The MLP runs in NumPy, the CNN in Keras.
CURVE_MODELS = {"MLP": "mlp", "CNN": "cnn"}
#: The pixel-shuffling comparison: label → (model on original pixels, model on shuffled pixels).
SHUFFLE_PAIRS = {"MLP": ("mlp", "mlp_shuffled"), "CNN": ("cnn", "cnn_shuffled")}

page_header(
    "9 · Limitations in image processing",
    "A dense network sees an image as a list of 784 numbers. It has no idea which pixels are "
    "neighbours, so **a 7 shifted by a few pixels lights up other neurons** (measured below at the lecture's 5 px), "
    "**shuffling the pixels gives the same input length** (and, as measured here, the same accuracy), "
    "and a colour photo needs **millions of weights in the first layer alone**. "
    "Convolutional networks (CNNs) are the answer: a first look at the end.", page="limitations",
)

tab_shift, tab_shuffle, tab_params, tab_cnn = st.tabs(TABS, key="lim_tab", bind="query-params")


def test_set() -> tuple[np.ndarray, np.ndarray]:
    """MNIST's 10,000 test images and labels, shared read-only (no 7.8 MB copy per rerun)."""
    return shared_mnist()[1]


CURVE_KEYS = [f"curves_{name}" for name in CURVE_MODELS.values()]
CURVES_LABEL = "Measuring the MLP's and the CNN's accuracy on all 10,000 test images, shifted"


def show_shift_curves(results: list[lim.ShiftCurves], marker: tuple[str, int] | None) -> None:
    curves = dict(zip(CURVE_MODELS, results))
    st.plotly_chart(on_screen(plots.shift_curve_figure(curves, marker=marker)), key="lim_curves", config={"displayModeBar": False})
    mlp, cnn = (curves[m].accuracy for m in CURVE_MODELS)
    cnn_longer = cnn["horizontal"][3] > mlp["horizontal"][3]
    st.markdown(
        f"Shifted 3 px right, the MLP's test accuracy falls from {mlp['horizontal'][0]:.1%} to "
        f"{mlp['horizontal'][3]:.1%}; 3 px down, to {mlp['vertical'][3]:.1%}; by (3, 3), diagonally 4.2 px "
        f"away, to {mlp['diagonal'][3]:.1%} (the ringed points match the sliders when they lie on a curve). "
        f"The small CNN {'holds on longer' if cnn_longer else 'does no better'} ({cnn['horizontal'][3]:.1%} at "
        "3 px right), but it is not shift-invariant either: after its two pooling steps a dense layer still "
        "ties each feature to a position."
    )


SHUFFLE_NAMES = [name for pair in SHUFFLE_PAIRS.values() for name in pair]
ACCURACY_KEYS = [f"accuracy_{name}" for name in SHUFFLE_NAMES]
ACCURACIES_LABEL = "Measuring the four models on the 10,000 test images"


def shuffle_accuracies(results: list[float]) -> dict[str, dict[str, float]]:
    """The four shipped models' test accuracies (measured once per server, :data:`ACCURACY_KEYS`'
    order) by model: original and shuffled pixels."""
    values = dict(zip(SHUFFLE_NAMES, results))
    return {
        label: {"original pixels": values[original], "shuffled pixels": values[shuffled]}
        for label, (original, shuffled) in SHUFFLE_PAIRS.items()
    }


def chosen_test_image() -> int:
    """The test image the student picked, by index or by class (the lecture's 7, index 0, by default)."""
    by = st.radio("Choose a test image by", ("index", "class"), horizontal=True, key="lim_pick", bind="query-params")
    _, y_test = test_set()
    if by == "index":
        index = st.number_input("Test image index", 0, len(y_test) - 1, 0, key="lim_index", bind="query-params")
        return lim.select_test_image(y_test, index=index)
    digit_column, nth_column = st.columns(2)
    digit = digit_column.selectbox("Class", range(10), index=7, key="lim_digit", bind="query-params")
    nth = nth_column.number_input("Which one (0 = first)", 0, 2000, 0, key="lim_nth", bind="query-params")
    return lim.select_test_image(y_test, digit=digit, occurrence=nth)


@st.fragment
def shifted_seven() -> None:
    """The shifted 7: a slider move reruns this tab only."""
    controls, images_column, probabilities_column = st.columns([1.1, 1.5, 1.6])
    with controls:
        with shown_as_error():
            index = None
            index = chosen_test_image()
        dx = st.slider("dx: shift right (px)", -lim.MAX_SHIFT, lim.MAX_SHIFT, lim.LECTURE_SHIFT[0], key="lim_dx",
                       bind="query-params")
        dy = st.slider("dy: shift down (px)", -lim.MAX_SHIFT, lim.MAX_SHIFT, lim.LECTURE_SHIFT[1], key="lim_dy",
                       bind="query-params")
    if index is not None:
        with shown_as_error():  # e.g. a missing model file: a sentence, not a traceback
            x_test, y_test = test_set()
            image = x_test[index]
            shifted = lim.shift_image(image, dx, dy)
            layers = shipped_mlp("mlp")
            hidden, *_, probabilities = layer_outputs(layers, model_inputs("mlp", np.stack([image, shifted])))
            change = lim.compare_activations(hidden[0], hidden[1])
            true_class = int(y_test[index])
            images_column.plotly_chart(
                on_screen(plots.digit_pair_figure(image, shifted, titles=(f"test image {index} (a {true_class})", f"shifted by ({dx}, {dy})"))),
                key="lim_digits", config={"displayModeBar": False},
            )
            probabilities_column.plotly_chart(
                on_screen(plots.probability_figure(probabilities[0], probabilities[1], true_class=true_class)),
                key="lim_probabilities", config={"displayModeBar": False},
            )
            with controls:
                predicted = [int(p.argmax()) for p in probabilities]
                st.markdown(
                    f"MLP says **{predicted[0]}** ({probabilities[0].max():.0%}) for the original, "
                    f"**{predicted[1]}** ({probabilities[1].max():.0%}) for the shifted digit."
                )
                if (dx, dy) != (0, 0):
                    st.markdown(lim.shift_sentence(dx, dy, change, (predicted[0], predicted[1])))
                kept = lim.ink_kept(image, shifted)
                if lim.is_shifted_out(image, shifted):
                    st.warning("Everything was shifted out of the 28×28 frame: the network sees a blank image.")
                elif kept < 0.999:
                    st.caption(f"{1 - kept:.0%} of the ink left the 28×28 frame.")

            active = int((hidden[0] > 0).sum())
            r = float(change.correlation)
            for column, (label, value) in zip(
                st.columns(4),
                (
                    ("ReLUs on (original)", f"{active} of {len(hidden[0])}"),
                    ("switched on by the shift", int(change.switched_on.sum())),
                    ("switched off by the shift", int(change.switched_off.sum())),
                    ("correlation r, original vs shifted", "undefined" if not np.isfinite(r) else f"{r:.2f}"),
                ),
            ):
                column.metric(label, value)
            st.plotly_chart(on_screen(plots.activation_strip_figure(hidden[0], hidden[1], change)), key="lim_strip",
                            config={"displayModeBar": False})
            scatter_column, curves_column = st.columns([1, 1.6])
            scatter_column.plotly_chart(on_screen(plots.activation_scatter_figure(hidden[0], hidden[1], r)), key="lim_scatter",
                                        config={"displayModeBar": False})
            with curves_column:
                when_measured(CURVE_KEYS, CURVES_LABEL, partial(show_shift_curves, marker=lim.direction_of_shift(dx, dy)))
    with st.expander("The maths: shifting, the first hidden layer, and the correlation"):
        st.markdown("Shift by whole pixels, filling with zeros (the same as `scipy.ndimage.shift(image, (dy, dx), order=0)`):")
        st.latex(r"x'_{r,c} = x_{r-dy,\;c-dx}\ \text{(0 outside the image)}")
        st.markdown("The first hidden layer of the lecture's MLP, computed in NumPy from the model's weights:")
        st.latex(r"a = \mathrm{ReLU}\!\left(\tfrac{x}{255} W_1 + b_1\right),\quad W_1 \in \mathbb{R}^{784\times128}")
        st.latex(r"r = \frac{\sum_i (a_i-\bar a)(a'_i-\bar a')}{\sqrt{\sum_i (a_i-\bar a)^2\,\sum_i (a'_i-\bar a')^2}}")
        st.code(
            "import numpy as np\n"
            "W1, b1 = model.layers[0].get_weights()            # (784, 128), (128,)\n"
            "x = image.reshape(1, 784).astype('float32') / 255\n"
            "a = np.maximum(x @ W1 + b1, 0)                     # 128 ReLU activations\n"
            "shifted = np.roll(image, 5, axis=1); shifted[:, :5] = 0   # 5 px right, zero fill\n"
            "a2 = np.maximum(shifted.reshape(1, 784) / 255 @ W1 + b1, 0)\n"
            "np.corrcoef(a[0], a2[0])[0, 1]                     # correlation r",
            language="python",
        )


if tab_shift.open:
    with tab_shift:
        shifted_seven()


def show_shuffle_accuracies(results: list[float]) -> None:
    """The four accuracies as metrics and bars, and what they say."""
    accuracies = shuffle_accuracies(results)
    metric_columns = st.columns(4)
    for position, (label, variants) in enumerate(accuracies.items()):
        original, shuffled = variants["original pixels"], variants["shuffled pixels"]
        metric_columns[2 * position].metric(f"{label}, original pixels", f"{original:.2%}")
        metric_columns[2 * position + 1].metric(
            f"{label}, shuffled pixels", f"{shuffled:.2%}", f"{(shuffled - original) * 100:+.2f} pp",
            delta_color="off" if label == "MLP" else "normal",
        )
    st.plotly_chart(on_screen(plots.error_rate_figure(accuracies)), key="lim_shuffle_errors", config={"displayModeBar": False})
    mlp, cnn = accuracies["MLP"], accuracies["CNN"]
    mlp_change = (mlp["shuffled pixels"] - mlp["original pixels"]) * 100
    cnn_change = (cnn["shuffled pixels"] - cnn["original pixels"]) * 100
    versus_mlp = "falls below" if cnn["shuffled pixels"] < mlp["original pixels"] else "stays above"
    st.markdown(
        f"The MLP on shuffled pixels lands within {abs(mlp_change):.2f} percentage points of the original: "
        "for a dense layer the order of the inputs is just a renaming of its weights. "
        f"The CNN changes by {cnn_change:+.2f} points and {versus_mlp} the MLP: its 3×3 filters look for "
        "strokes and edges among neighbouring pixels, and shuffling scatters the neighbours."
    )


@st.fragment
def shuffled_pixels() -> None:
    """Pixel shuffling: a new test image reruns this tab only."""
    st.markdown(
        "Apply one fixed random permutation (seed "
        f"{SHUFFLE_SEED}) to the 784 pixels of every image, for training and testing alike. "
        "A person cannot read the result. The MLP does not care: it never used the grid."
    )
    x_test, y_test = test_set()
    images_column, accuracy_column = st.columns([1, 1.3])
    with images_column:
        with shown_as_error():
            index = st.number_input("Test image index", 0, len(y_test) - 1, 0, key="lim_shuffle_index", bind="query-params")
            index = lim.select_test_image(y_test, index=index)
            st.plotly_chart(
                on_screen(plots.digit_pair_figure(x_test[index], shuffle_pixels(x_test[index : index + 1])[0],
                                        titles=(f"test image {index} (a {int(y_test[index])})", "the same pixels, shuffled"))),
                key="lim_shuffle_digits", config={"displayModeBar": False},
            )
    with accuracy_column, shown_as_error():  # e.g. a missing model file: a sentence, not a traceback
        when_measured(ACCURACY_KEYS, ACCURACIES_LABEL, show_shuffle_accuracies)
        original, renamed, gap, r = shuffle_equivalence()
        updates = TrainingConfig().batches_per_epoch * int(read_manifest()["mlp_shuffled"]["epochs"])
        st.markdown(
            f"**The same network, renamed.** The MLP trained on the original pixels, with its first layer's 784 "
            f"rows permuted like the pixels, reads the shuffled test images as it read the originals: "
            f"{renamed:.2%} against {original:.2%} (largest difference of a probability {gap:.1e}, float32 "
            "rounding). The shipped shuffled MLP started from the permuted initial weights and saw the same "
            "batches, so in exact arithmetic it would be this very network. Its first-layer weights correlate "
            f"r = {r:.2f} with the permuted original's: the additions run in another order, the rounding "
            f"differs, and those differences grew over {updates:,} updates. The small gap between the two "
            "MLPs is floating-point order, not anything learnt."
        )
    with st.expander("Why the order does not matter to a dense layer"):
        st.markdown("Permuting the inputs and the rows of the weight matrix the same way leaves every sum unchanged:")
        st.latex(r"x_{\pi}\, W_{\pi} = \sum_{i} x_{\pi(i)} W_{\pi(i),:} = \sum_{j} x_j W_{j,:} = x\,W")
        st.code(
            f"perm = np.random.default_rng({SHUFFLE_SEED}).permutation(784)   # one fixed permutation\n"
            "x_train_shuffled = x_train.reshape(-1, 784)[:, perm]\n"
            "x_test_shuffled = x_test.reshape(-1, 784)[:, perm]\n"
            "# same model, same compile/fit as the lecture; only the inputs are shuffled\n"
            "model.fit(x_train_shuffled / 255, y_train, epochs=10, batch_size=64, validation_split=0.1)",
            language="python",
        )
        st.caption(
            "The shipped shuffled MLP started from the original MLP's initial weights with the first "
            "layer's rows permuted like the pixels, so the experiment changes nothing but the order. "
            "Accuracies are measured live on the 10,000 test images."
        )


if tab_shuffle.open:
    with tab_shuffle:
        shuffled_pixels()


@st.fragment
def parameter_explosion() -> None:
    """The parameter calculator: a new size reruns this tab only."""
    st.markdown(
        "Flatten a 100×100 colour photo and connect it to 512 neurons: every pixel of every channel "
        "gets its own weight to every neuron. A convolution layer shares one small filter across the "
        "whole image, so **that layer's** size does not depend on the image. A CNN that classifies still "
        "ends in `Flatten` + `Dense`, though, and that head grows with the image (below)."
    )
    sizes = {}
    for group in (("dense", "both"), ("conv",)):
        fields = [f for f in lim.CALCULATOR_FIELDS if f.layer in group]
        for column, field in zip(st.columns(4), fields):
            sizes[field.name] = column.number_input(
                field.label, 1, lim.MAX_CALCULATOR_SIZE, field.default, step=1,
                key=f"lim_{field.name}", bind="query-params",
            )
    with shown_as_error():
        dense = lim.first_dense_layer_params(sizes["height"], sizes["width"], sizes["channels"], sizes["neurons"])
        conv = lim.conv_layer_params(sizes["kernel_size"], sizes["channels"], sizes["filters"])
        st.markdown(
            f"**Dense:** {sizes['height']:,} × {sizes['width']:,} × {sizes['channels']:,} × {sizes['neurons']:,} "
            f"= {format_count(dense.weights)} weights + {format_count(dense.biases)} biases "
            f"= **{format_count(dense.total)} parameters**  \n"
            f"**Conv {sizes['kernel_size']}×{sizes['kernel_size']}:** {sizes['kernel_size']}·{sizes['kernel_size']}·"
            f"{sizes['channels']:,}·{sizes['filters']:,} + {sizes['filters']:,} = **{format_count(conv.total)} parameters**, "
            "whatever the image size"
        )
        for column, (label, value) in zip(
            st.columns(4),
            (
                ("dense layer parameters", format_count(dense.total)),
                ("memory at float32 (4 bytes each)", format_megabytes(dense.megabytes)),
                ("conv layer parameters", format_count(conv.total)),
                ("dense ÷ one conv layer", f"{format_count(round(dense.total / conv.total))}×"),
            ),
        ):
            column.container(key="lim_dense_total" if label == "dense layer parameters" else None).metric(label, value)
        with shown_as_error():  # a kernel larger than the image: a sentence here, the rest stays
            conv_part, head = lim.conv_with_head_params(
                sizes["height"], sizes["width"], sizes["channels"], sizes["kernel_size"], sizes["filters"])
            feature_side = (sizes["height"] - sizes["kernel_size"] + 1, sizes["width"] - sizes["kernel_size"] + 1)
            shipped = layer_param_counts(shipped_cnn("cnn"))
            shipped_head = sum(count for kind, count in shipped if kind == "dense")
            shipped_total = sum(count for _, count in shipped)
            st.markdown(
                f"**Conv + `Flatten` + `Dense(10)` head:** the conv layer's {feature_side[0]:,}×{feature_side[1]:,}×"
                f"{sizes['filters']:,} feature map (Keras's default `padding=\"valid\"`) flattened into 10 classes is "
                f"{format_count(head.weights)} weights + 10 biases = **{format_count(head.total)} parameters** "
                f"in the head, {format_count(round(head.total / conv_part.total))}× the conv layer. Pooling shrinks the map, and so the "
                f"head: in the shipped small CNN (two conv and two pooling layers on 28×28) the dense head is still "
                f"**{shipped_head:,} of its {shipped_total:,} parameters** ({shipped_head / shipped_total:.0%})."
            )
        side, sides = lim.chart_sides(sizes["height"], sizes["width"])
        curves = lim.params_against_side(
            sides, channels=sizes["channels"], neurons=sizes["neurons"],
            kernel_size=sizes["kernel_size"], filters=sizes["filters"],
        )
        st.plotly_chart(on_screen(plots.params_figure(curves, current_side=side)), key="lim_params", config={"displayModeBar": False})
        st.info(
            "The slide calls this growth *exponential*. Strictly, it is **quadratic** in the image side "
            "(double the side, four times the weights) and **linear** in the number of pixels: "
            "polynomial, not exponential. It is still far too many: at 1000×1000 RGB the first layer alone "
            f"has {format_count(lim.first_dense_layer_params(1000, 1000, 3, 512).total)} parameters.",
            icon=":material/info:",
        )
    with st.expander("The formulas, and the Keras layers that have these counts"):
        st.latex(r"P_\text{dense} = H \cdot W \cdot C \cdot n + n \qquad P_\text{conv} = k \cdot k \cdot C \cdot f + f")
        st.code(
            "keras.Sequential([keras.Input((100, 100, 3)), keras.layers.Flatten(),\n"
            "                  keras.layers.Dense(512)]).count_params()      # 15,360,512\n"
            "keras.Sequential([keras.Input((100, 100, 3)),\n"
            "                  keras.layers.Conv2D(32, 3)]).count_params()   # 896\n"
            "keras.Sequential([keras.Input((100, 100, 3)), keras.layers.Conv2D(32, 3),\n"
            "                  keras.layers.Flatten(),\n"
            "                  keras.layers.Dense(10)]).count_params()       # 896 + 3,073,290",
            language="python",
        )


if tab_params.open:
    with tab_params:
        parameter_explosion()

def show_cnn_comparison(results: list) -> None:
    """Parameters, accuracy and the shift curves of the two shipped models, side by side."""
    accuracies = shuffle_accuracies(results[: len(ACCURACY_KEYS)])
    curves = dict(zip(CURVE_MODELS, results[len(ACCURACY_KEYS):]))
    params = {label: int(read_manifest()[name]["params"]) for label, name in CURVE_MODELS.items()}
    left, right = st.columns([1, 1.4])
    with left:
        for label, count in params.items():
            first, second = st.columns(2)
            first.metric(f"{label} parameters", f"{count:,}")
            second.metric(f"{label} test accuracy", f"{accuracies[label]['original pixels']:.2%}")
        mlp, cnn = (curves[m].accuracy["horizontal"] for m in CURVE_MODELS)
        st.markdown(
            f"The CNN has {params['MLP'] / params['CNN']:.1f}× fewer parameters. "
            f"Shifted 2 px right it keeps {cnn[2]:.1%} (MLP {mlp[2]:.1%}); 4 px right it is down to "
            f"{cnn[4]:.1%} (MLP {mlp[4]:.1%}): pooling buys a little tolerance, not invariance."
        )
    right.plotly_chart(on_screen(plots.accuracy_by_model_figure(curves)), key="lim_cnn_curve", config={"displayModeBar": False})


if tab_cnn.open:
    with tab_cnn, shown_as_error():
        st.markdown(
            "A convolution slides small filters over the image, so neighbouring pixels are looked at "
            "together and the same weights are reused everywhere. The shipped small CNN "
            "(conv-pool-conv-pool-dense) needs far fewer parameters than the MLP and is more accurate. "
            "The next lecture covers CNNs properly; here is only why they are needed."
        )
        when_measured(ACCURACY_KEYS + CURVE_KEYS, "Measuring the shipped models on the 10,000 test images", show_cnn_comparison)
        with st.expander("The Keras code of the two shipped models (the code that built them)"):
            for name in CURVE_MODELS.values():
                st.code(inspect.getsource(KERAS_BUILDERS[PRETRAINED[name].network]), language="python")


check_yourself(section=9)
