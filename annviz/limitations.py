"""Limitations of a dense network on images (lecture section 9), measured rather than claimed.

- **The shifted 7**: :func:`shift_image` moves a digit by whole pixels; the MLP's first
  hidden layer is recomputed in NumPy from the model's weights (``annviz.mlp``'s
  ``dense_layers`` and ``layer_outputs``) and :func:`compare_activations` says which ReLUs switched on or
  off. :func:`shift_accuracy_curves` measures test accuracy against shift distance.
- **Pixel shuffling**: ``annviz.pretrained.shuffle_pixels`` applies one fixed permutation;
  the MLP does not care, because ``x[:, perm] @ W[perm] == x @ W``.
- **Parameter explosion**: :func:`first_dense_layer_params` counts H·W·C·neurons + neurons
  with Python ints (nothing is allocated), :func:`conv_layer_params` counts k·k·C·filters +
  filters for comparison.

Keras is never imported here: models come in as arguments.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from annviz.architecture import ParamCount, dense_param_count
from annviz.errors import InputError, echo
from annviz.metrics import accuracy
from annviz.numpy_mlp import DenseLayer, mlp_probabilities
from annviz.mnist import IMAGE_SIDE
from annviz.pretrained import model_inputs

#: The page's shift sliders run from -MAX_SHIFT to MAX_SHIFT pixels; the curves from 0 to MAX_SHIFT.
MAX_SHIFT = 8

#: One row per shift direction of the accuracy curves: name → (dx, dy) for a distance of 1 px.
#: Positive dx moves the digit right, positive dy moves it down.
SHIFT_DIRECTIONS: dict[str, tuple[int, int]] = {
    "horizontal": (1, 0),
    "vertical": (0, 1),
    "diagonal": (1, 1),
}
#: The lecture's shift: a 7 moved 5 px to the right. The shift tab opens on it.
LECTURE_SHIFT = (5, 0)
#: How the correlation r of the hidden pattern before and after a shift reads in words:
#: at or above each bound, the words beside it (checked in order).
CORRELATION_WORDS = ((0.9, "nearly the same neurons"), (0.5, "partly the same neurons"), (-1.0, "largely other neurons"))

#: Largest size the parameter calculator accepts for any one field (Python ints go further,
#: but a 10^9-pixel side already makes the point).
MAX_CALCULATOR_SIZE = 10**9


@dataclass(frozen=True)
class CalculatorField:
    """One input of the parameter calculator; the page builds its widgets from :data:`CALCULATOR_FIELDS`."""

    name: str  # keyword of first_dense_layer_params / conv_layer_params
    label: str
    default: int
    layer: str  # "dense", "conv" or "both"


#: The parameter calculator's inputs with the lecture's example as defaults (100×100 RGB, 512 neurons).
CALCULATOR_FIELDS: tuple[CalculatorField, ...] = (
    CalculatorField("height", "Image height H (px)", 100, "dense"),
    CalculatorField("width", "Image width W (px)", 100, "dense"),
    CalculatorField("channels", "Channels C (3 = RGB)", 3, "both"),
    CalculatorField("neurons", "Neurons in the first dense layer", 512, "dense"),
    CalculatorField("kernel_size", "Conv kernel size k (k×k)", 3, "conv"),
    CalculatorField("filters", "Conv filters", 32, "conv"),
)

#: A predictor turns uint8 images (n, 28, 28) into class probabilities (n, 10).
Predictor = Callable[[np.ndarray], np.ndarray]


# --------------------------------------------------------------------------- the shifted 7


def _whole_pixels(value: Any, name: str) -> int:
    """Accept an integral number of pixels (int, numpy int, or a float like 3.0)."""
    if isinstance(value, bool):
        raise InputError(f"{name} must be a whole number of pixels, not {echo(value)}.")
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real) and math.isfinite(value) and float(value).is_integer():
        return int(value)
    raise InputError(f"{name} = {echo(value)} is not a whole number of pixels: shift by an integer such as 3 or -2.")


def shift_image(image: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """Translate an image (or a stack of images) by whole pixels, filling with zeros.

    ``shifted[y, x] = image[y - dy, x - dx]`` where that pixel exists, else 0; positive
    ``dx`` moves the content right, positive ``dy`` moves it down. It equals
    ``scipy.ndimage.shift(image, (dy, dx), order=0, cval=0)``. Works on the last two axes,
    so ``(n, 28, 28)`` stacks shift in one vectorised step. A shift of the full width or
    height or more leaves only zeros (see :func:`is_shifted_out`).

    >>> img = np.arange(9).reshape(3, 3)
    >>> shift_image(img, 1, 0)
    array([[0, 0, 1],
           [0, 3, 4],
           [0, 6, 7]])
    >>> shift_image(img, 0, -1)
    array([[3, 4, 5],
           [6, 7, 8],
           [0, 0, 0]])
    """
    dx = _whole_pixels(dx, "dx")
    dy = _whole_pixels(dy, "dy")
    image = np.asarray(image)
    if image.ndim < 2 or 0 in image.shape[-2:]:
        raise InputError(f"Expected an image with rows and columns, got an array of shape {image.shape}.")
    height, width = image.shape[-2:]
    shifted = np.zeros_like(image)
    if abs(dx) >= width or abs(dy) >= height:
        return shifted
    shifted[..., max(dy, 0) : height + min(dy, 0), max(dx, 0) : width + min(dx, 0)] = image[
        ..., max(-dy, 0) : height + min(-dy, 0), max(-dx, 0) : width + min(-dx, 0)
    ]
    return shifted


def ink_kept(image: np.ndarray, shifted: np.ndarray) -> float:
    """Fraction of the digit's ink (sum of pixel values) still inside the frame after a shift.

    ``sum(shifted) / sum(image)``; 1.0 when nothing left the frame, 0.0 when everything did.
    An image with no ink at all counts as fully kept.

    >>> img = np.zeros((4, 4)); img[1, 1] = img[1, 3] = 1.0
    >>> ink_kept(img, shift_image(img, 1, 0))
    0.5
    """
    total = float(np.asarray(image, dtype=np.float64).sum())
    if total == 0.0:
        return 1.0
    return float(np.asarray(shifted, dtype=np.float64).sum()) / total


def is_shifted_out(image: np.ndarray, shifted: np.ndarray) -> bool:
    """True when the image had ink and the shift moved all of it out of the frame.

    >>> seven = np.zeros((28, 28)); seven[5:20, 10:18] = 1.0
    >>> is_shifted_out(seven, shift_image(seven, 20, 0)), is_shifted_out(seven, shift_image(seven, 8, 0))
    (True, False)
    """
    return bool(np.asarray(image).any()) and not bool(np.asarray(shifted).any())


def shift_sentence(dx: int, dy: int, change: ActivationChange, predicted: tuple[int, int]) -> str:
    """What the page measured for one shift, in words: ReLUs switched, r, and the two predictions.

    >>> change = compare_activations(np.array([0.0, 1.0, 2.0, 0.0]), np.array([0.5, 0.0, 2.0, 0.0]))
    >>> shift_sentence(5, 0, change, (7, 5))
    'Shifted by (5, 0), 5.0 px: 1 ReLU switched on and 1 off, r = 0.78 (partly the same neurons); the MLP says 7, then 5.'
    """
    r = float(change.correlation)
    on, off = int(change.switched_on.sum()), int(change.switched_off.sum())
    if not math.isfinite(r):
        words = "r is undefined: one of the two patterns is constant"
    else:
        words = f"r = {r:.2f} ({next(text for bound, text in CORRELATION_WORDS if r >= bound)})"
    verdict = f"the MLP says {predicted[0]}, then {predicted[1]}" if predicted[0] != predicted[1] else (
        f"the MLP still says {predicted[0]}")
    return (f"Shifted by ({dx}, {dy}), {math.hypot(dx, dy):.1f} px: {on} ReLU{'s' if on != 1 else ''} switched on "
            f"and {off} off, {words}; {verdict}.")


def direction_of_shift(dx: int, dy: int) -> tuple[str, int] | None:
    """The curve a shift lies on: ``(direction, distance)`` if ``(dx, dy) = distance · unit vector``.

    Only the measured directions of :data:`SHIFT_DIRECTIONS` count; (0, 0) lies on every curve
    and is reported as the first. Anything else (a shift left, a knight's move) gives None.

    >>> direction_of_shift(3, 3), direction_of_shift(0, 5), direction_of_shift(-2, 0), direction_of_shift(0, 0)
    (('diagonal', 3), ('vertical', 5), None, ('horizontal', 0))
    """
    for direction, (ux, uy) in SHIFT_DIRECTIONS.items():
        distance = max(abs(dx), abs(dy))
        if (dx, dy) == (distance * ux, distance * uy):
            return direction, distance
    return None


def select_test_image(labels: np.ndarray, *, index: int | None = None, digit: int | None = None, occurrence: int = 0) -> int:
    """Index of the test image to show: ``index`` itself, or the ``occurrence``-th image of class ``digit``.

    Give exactly one of ``index`` and ``digit``. Raises ``ValueError`` with a sentence when the
    index is out of range or the class has fewer images than asked for.

    >>> labels = np.array([7, 2, 1, 0, 4, 1])
    >>> select_test_image(labels, index=0), select_test_image(labels, digit=1, occurrence=1)
    (0, 5)
    """
    labels = np.asarray(labels)
    n_images = len(labels)
    if (index is None) == (digit is None):
        raise InputError("Choose a test image either by its index or by its class, not both.")
    if index is not None:
        index = _whole_pixels(index, "The image index") if not isinstance(index, numbers.Integral) else int(index)
        if not 0 <= index < n_images:
            raise InputError(f"Image index {index} is out of range: the test set has images 0 to {n_images - 1:,}.")
        return index
    digit = int(digit)  # type: ignore[arg-type]
    if not 0 <= digit <= 9:
        raise InputError(f"Class {digit} does not exist: MNIST classes are the digits 0 to 9.")
    matches = np.flatnonzero(labels == digit)
    occurrence = int(occurrence)
    if not 0 <= occurrence < len(matches):
        raise InputError(
            f"There are {len(matches):,} test images of a {digit}: choose an occurrence from 0 to {len(matches) - 1:,}."
        )
    return int(matches[occurrence])


@dataclass(frozen=True)
class ActivationChange:
    """How a layer's activation vector changed between the original and the shifted input.

    Arrays have the shape of the inputs without their last axis (one entry per image).
    """

    switched_on: np.ndarray  # bool (..., units): was 0, now > 0
    switched_off: np.ndarray  # bool (..., units): was > 0, now 0
    correlation: np.ndarray  # Pearson r between the two vectors; NaN where one is constant

    @property
    def n_switched(self) -> np.ndarray:
        return self.switched_on.sum(axis=-1) + self.switched_off.sum(axis=-1)


def permuted_first_layer(layers: tuple[DenseLayer, ...], perm: np.ndarray) -> tuple[DenseLayer, ...]:
    """The same MLP for inputs shuffled by ``perm`` (``x_s = x[:, perm]``): first-layer rows permuted alike.

    x_s · W[perm] = Σᵢ x[perm[i]] W[perm[i]] = Σⱼ x[j] W[j] = x · W, so it computes the same outputs
    (up to the order of float32 additions).

    >>> layer = DenseLayer(np.arange(6, dtype=np.float32).reshape(3, 2), np.zeros(2, np.float32), "linear")
    >>> x, perm = np.array([[1.0, 2.0, 3.0]], np.float32), np.array([2, 0, 1])
    >>> bool((x[:, perm] @ permuted_first_layer((layer,), perm)[0].kernel == x @ layer.kernel).all())
    True
    """
    first, *rest = layers
    return (DenseLayer(first.kernel[np.asarray(perm)], first.bias, first.activation), *rest)


def compare_activations(original: np.ndarray, shifted: np.ndarray) -> ActivationChange:
    """Which ReLUs switched on or off, and the correlation of the two activation vectors.

    switched on: ``a == 0 and a' > 0``; switched off: ``a > 0 and a' == 0``;
    ``r = sum((a - mean a)(a' - mean a')) / sqrt(sum((a - mean a)^2) sum((a' - mean a')^2))``
    along the last axis (NaN where a vector is constant, since r is undefined there).

    >>> change = compare_activations(np.array([0.0, 1.0, 2.0, 0.0]), np.array([0.5, 0.0, 2.0, 0.0]))
    >>> change.switched_on.tolist(), change.switched_off.tolist(), round(float(change.correlation), 3)
    ([True, False, False, False], [False, True, False, False], 0.782)
    """
    original = np.asarray(original, dtype=np.float64)
    shifted = np.asarray(shifted, dtype=np.float64)
    if original.shape != shifted.shape or original.ndim == 0:
        raise InputError(f"Cannot compare activations of shapes {original.shape} and {shifted.shape}.")
    a = original - original.mean(axis=-1, keepdims=True)
    b = shifted - shifted.mean(axis=-1, keepdims=True)
    denominator = np.sqrt((a * a).sum(axis=-1) * (b * b).sum(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        correlation = np.where(denominator > 0, (a * b).sum(axis=-1) / np.where(denominator > 0, denominator, 1), np.nan)
    return ActivationChange(
        switched_on=(original <= 0) & (shifted > 0),
        switched_off=(original > 0) & (shifted <= 0),
        correlation=correlation,
    )


# ------------------------------------------------------------------ predictors and curves


def numpy_mlp_predictor(name: str, layers: tuple[DenseLayer, ...]) -> Predictor:
    """uint8 images → probabilities of the shipped MLP ``name`` computed in NumPy (no TensorFlow call).

    Uses ``annviz.pretrained.model_inputs(name, ...)``, so ``"mlp_shuffled"`` gets shuffled pixels.
    """
    return lambda images: mlp_probabilities(layers, model_inputs(name, images))


def keras_predictor(name: str, model: Any, *, batch_size: int = 2500) -> Predictor:
    """uint8 images → probabilities of the shipped Keras model ``name`` via ``model.predict_on_batch``.

    Chunks of ``batch_size`` keep memory flat; ``predict_on_batch`` on equal-sized chunks skips
    the per-call overhead of ``model.predict`` (about 4× faster here on 10,000 images).
    """

    def predict(images: np.ndarray) -> np.ndarray:
        inputs = model_inputs(name, images)
        chunks = [np.asarray(model.predict_on_batch(inputs[i : i + batch_size])) for i in range(0, len(inputs), batch_size)]
        return np.concatenate(chunks) if chunks else np.zeros((0, 10), dtype=np.float32)

    return predict


def _accuracy(labels: np.ndarray, probabilities: np.ndarray) -> float:
    return accuracy(labels, probabilities.argmax(axis=-1))


@dataclass(frozen=True)
class ShiftCurves:
    """Test accuracy against shift distance, one array per direction of :data:`SHIFT_DIRECTIONS`."""

    distances: np.ndarray  # (d,) pixels, 0 … max_distance
    accuracy: dict[str, np.ndarray]  # direction → (d,) accuracy at each distance

    def mean_over_directions(self) -> np.ndarray:
        return np.mean([self.accuracy[direction] for direction in self.accuracy], axis=0)


def shift_accuracy_curves(
    predict: Predictor,
    images: np.ndarray,
    labels: np.ndarray,
    *,
    max_distance: int = MAX_SHIFT,
    directions: dict[str, tuple[int, int]] = SHIFT_DIRECTIONS,
    on_progress: Callable[[int, int], None] | None = None,
) -> ShiftCurves:
    """Accuracy of ``predict`` on ``images`` shifted by 0 … ``max_distance`` px in each direction.

    For direction ``(ux, uy)`` and distance ``d`` the whole set is shifted by
    ``(d·ux, d·uy)`` with :func:`shift_image` (one vectorised step) and scored with
    :func:`accuracy`. Distance 0 is measured once and shared by every direction.
    ``on_progress(done, total)`` is called after each measurement.

    >>> images = np.zeros((2, 28, 28), np.uint8); images[:, 10:18, 10:18] = 255
    >>> says_one_if_centre_inked = lambda imgs: np.eye(2)[(imgs[:, 14, 14] > 0).astype(int)]
    >>> curves = shift_accuracy_curves(says_one_if_centre_inked, images, np.array([1, 1]), max_distance=5)
    >>> curves.accuracy["horizontal"].tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0, 0.0]
    """
    max_distance = _whole_pixels(max_distance, "The largest shift distance")
    if not 0 <= max_distance < IMAGE_SIDE:
        raise InputError(f"The largest shift distance must be between 0 and {IMAGE_SIDE - 1} px, not {max_distance}.")
    images = np.asarray(images)
    labels = np.asarray(labels)
    if len(images) == 0 or len(images) != len(labels):
        raise InputError(f"Need one label per image: got {len(images)} images and {len(labels)} labels.")
    total = 1 + len(directions) * max_distance
    unshifted = _accuracy(labels, predict(images))
    done = 1
    if on_progress:
        on_progress(done, total)
    curves = {}
    for direction, (ux, uy) in directions.items():
        values = [unshifted]
        for distance in range(1, max_distance + 1):
            values.append(_accuracy(labels, predict(shift_image(images, distance * ux, distance * uy))))
            done += 1
            if on_progress:
                on_progress(done, total)
        curves[direction] = np.array(values)
    return ShiftCurves(np.arange(max_distance + 1), curves)


# ------------------------------------------------------------------ parameter explosion


def _size(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise InputError(f"{name} must be a whole number, not {echo(value)}.")
    if not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and math.isfinite(value) and float(value).is_integer():
            value = int(value)
        else:
            raise InputError(f"{name} must be a whole number, not {echo(value)}.")
    value = int(value)
    if not 1 <= value <= MAX_CALCULATOR_SIZE:
        raise InputError(f"{name} must be between 1 and {MAX_CALCULATOR_SIZE:,}, not {value:,}.")
    return value


def first_dense_layer_params(height: int, width: int, channels: int, neurons: int) -> ParamCount:
    """Parameters of a dense layer fed a flattened H×W×C image: H·W·C·neurons weights + neurons biases.

    Python ints throughout, so absurd sizes are exact and nothing is allocated.

    >>> count = first_dense_layer_params(100, 100, 3, 512)
    >>> count.weights, count.biases, count.total, round(count.megabytes, 2)
    (15360000, 512, 15360512, 61.44)
    >>> first_dense_layer_params(28, 28, 1, 128).total
    100480
    """
    height = _size(height, "The image height")
    width = _size(width, "The image width")
    channels = _size(channels, "The number of channels")
    neurons = _size(neurons, "The number of neurons")
    return dense_param_count(height * width * channels, neurons)


def conv_layer_params(kernel_size: int, channels: int, filters: int) -> ParamCount:
    """Parameters of a k×k convolution layer: k·k·C·filters weights + filters biases, whatever the image size.

    >>> conv_layer_params(3, 3, 32).total
    896
    >>> conv_layer_params(3, 1, 16).total
    160
    """
    kernel_size = _size(kernel_size, "The kernel size")
    channels = _size(channels, "The number of channels")
    filters = _size(filters, "The number of filters")
    return ParamCount(weights=kernel_size * kernel_size * channels * filters, biases=filters)


def conv_with_head_params(height: int, width: int, channels: int, kernel_size: int, filters: int,
                          classes: int = 10) -> tuple[ParamCount, ParamCount]:
    """One k×k conv layer (Keras's default ``padding="valid"``, stride 1), then ``Flatten`` and a
    ``Dense(classes)`` head: the conv layer's count, and the head's, which grows with the image.

    The feature map is (H − k + 1) × (W − k + 1) × filters; the head has that many inputs per class.

    >>> conv, head = conv_with_head_params(100, 100, 3, 3, 32)
    >>> conv.total, head.total
    (896, 3073290)
    """
    conv = conv_layer_params(kernel_size, channels, filters)
    height, width = _size(height, "The image height"), _size(width, "The image width")
    if kernel_size > min(height, width):
        raise InputError(f"A {kernel_size}×{kernel_size} kernel does not fit in a {height}×{width} image.")
    features = (height - kernel_size + 1) * (width - kernel_size + 1) * filters
    classes = _size(classes, "The number of classes")
    return conv, dense_param_count(features, classes)


def chart_sides(height: int, width: int, *, points: int = 120) -> tuple[float, np.ndarray]:
    """The calculator's image as the side of a square with as many pixels, and the sides its chart
    draws: from 1 to twice that side (at least 64), never beyond :data:`MAX_CALCULATOR_SIZE`, the
    largest side the counts take.

    >>> side, sides = chart_sides(100, 100)
    >>> side, float(sides[0]), float(sides[-1]), len(sides)
    (100.0, 1.0, 200.0, 120)
    >>> float(chart_sides(MAX_CALCULATOR_SIZE, MAX_CALCULATOR_SIZE)[1][-1]) == MAX_CALCULATOR_SIZE
    True
    """
    side = (_size(height, "The image height") * _size(width, "The image width")) ** 0.5
    top = min(max(2 * side, 64.0), float(MAX_CALCULATOR_SIZE))
    return side, np.unique(np.linspace(1, top, points).round())


def params_against_side(sides: np.ndarray, *, channels: int, neurons: int, kernel_size: int, filters: int) -> dict[str, np.ndarray]:
    """Parameters of the first dense layer and of a conv layer for square images of each side.

    Dense: ``side² · C · neurons + neurons`` (quadratic in the side, linear in the pixel
    count ``side²``); conv: ``k² · C · filters + filters`` (the same for every side). Values are
    float64 for plotting; exact counts come from :func:`first_dense_layer_params`.

    >>> curves = params_against_side(np.array([28, 56]), channels=1, neurons=128, kernel_size=3, filters=32)
    >>> curves["dense"].tolist(), curves["conv"].tolist(), curves["pixels"].tolist()
    ([100480.0, 401536.0], [320.0, 320.0], [784.0, 3136.0])
    """
    sides = np.asarray(sides)
    if sides.ndim != 1 or len(sides) == 0:
        raise InputError("Give at least one image side.")
    dense = [float(first_dense_layer_params(int(s), int(s), channels, neurons).total) for s in sides]
    conv = float(conv_layer_params(kernel_size, channels, filters).total)
    return {
        "side": sides.astype(np.float64),
        "pixels": sides.astype(np.float64) ** 2,
        "dense": np.array(dense),
        "conv": np.full(len(sides), conv),
    }
