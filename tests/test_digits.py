"""Draw-a-digit preprocessing: MNIST's own digits come back through it, checked against Pillow and SciPy.

The strongest check: MNIST test digits, enlarged, moved, put on paper and photographed (JPEG),
go through :func:`annviz.digits.prepare_digit` and the shipped MLP still reads them.
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
import scipy.ndimage
import scipy.special
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from annviz import digits
from annviz.digits import (
    BOX_SIDE,
    FRAME_CENTRE,
    as_probabilities,
    centre_in_frame,
    centre_of_mass,
    decode_image,
    ink_box,
    inputs_for_model,
    prepare_digit,
    scale_to_box,
    to_grayscale,
)
from annviz.mnist import load_mnist

N_IMAGES = 400  # per recovery check
N_READ = 200  # per disguise in the MLP check: enough for a rate, cheap enough for CI


@pytest.fixture(scope="module")
def mnist_test() -> tuple[np.ndarray, np.ndarray]:
    _, (x_test, y_test) = load_mnist()
    return x_test, y_test


@pytest.fixture(scope="module")
def mlp_reads():
    """The shipped MLP as a function: uint8 digits (n, 28, 28) → predicted classes."""
    from annviz.pretrained import model_inputs
    from annviz.serving.keras_models import load_pretrained

    model = load_pretrained("mlp")
    return lambda images: np.asarray(model.predict_on_batch(model_inputs("mlp", np.asarray(images)))).argmax(axis=1)


def png_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def photographed(image: np.ndarray, rng: np.random.Generator) -> bytes:
    """An MNIST digit written in dark ink on unevenly lit, grainy paper, photographed as a 600×450 JPEG."""
    ink = np.asarray(Image.fromarray(image).resize((300, 300), Image.Resampling.BICUBIC), dtype=float) / 255
    height, width = 450, 600
    paper = 170 + 40 * np.linspace(0, 1, width)[None, :] + rng.normal(0, 6, (height, width))
    top, left = rng.integers(20, height - 320), rng.integers(20, width - 320)
    paper[top : top + 300, left : left + 300] -= 140 * ink
    rgb = np.clip(np.stack([paper, 0.97 * paper, 0.9 * paper], axis=-1), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def enlarged(image: np.ndarray, factor: int) -> np.ndarray:
    """Each MNIST pixel becomes a factor×factor block (pixel replication)."""
    return np.kron(image, np.ones((factor, factor), dtype=np.uint8))


# --- the MNIST procedure, step by step ------------------------------------------------------------


@pytest.mark.parametrize("factor", [10, 1], ids=["enlarged-tenfold", "as-they-are"])
def test_mnist_digits_come_back_pixel_for_pixel(mnist_test, factor):
    """Enlarging by pixel replication and shrinking by area averaging are exact inverses, so the
    procedure must give MNIST's own 28×28 back: same box, same centring, same grey levels, up to
    the darkest ink becoming 255 (a few MNIST digits peak at 253 or 254). Measured on the first
    2,000 test digits enlarged tenfold: 1,999 identical, one a grey level off in one pixel."""
    x_test, _ = mnist_test
    identical = 0
    for image in x_test[:N_IMAGES]:
        expected = np.rint(image * (255.0 / image.max()))
        difference = np.abs(prepare_digit(enlarged(image, factor)).image - expected)
        assert difference.max() <= 1
        identical += difference.max() == 0
    assert identical >= 0.98 * N_IMAGES, identical


def test_mnist_digits_in_every_disguise_are_still_read_by_the_shipped_mlp(mnist_test, mlp_reads):
    """Smoothly enlarged to the canvas's 280×280; moved anywhere on a larger dark page; photographed
    on paper (JPEG). Measured on the first 1,000 test digits: 0.977, 0.977 and 0.979 (the MLP on the
    untouched digits: 0.979); on the 200 used here 0.990, 1.000 and 0.995 (untouched 0.995).
    The floors leave room for another Pillow's rounding."""
    x_test, y_test = mnist_test
    images, labels = x_test[:N_READ], y_test[:N_READ]
    rng = np.random.default_rng(7)
    smooth = [np.asarray(Image.fromarray(im).resize((280, 280), Image.Resampling.BILINEAR)) for im in images]
    moved = []
    for im in images:
        page = np.zeros((120, 160), dtype=np.uint8)
        top, left = rng.integers(0, 120 - 28), rng.integers(0, 160 - 28)
        page[top : top + 28, left : left + 28] = im
        moved.append(np.asarray(Image.fromarray(page).resize((480, 360), Image.Resampling.BICUBIC)))
    photos = [decode_image(photographed(im, rng)) for im in images]

    untouched = np.mean(mlp_reads(images) == labels)
    for name, inputs in (("smoothly enlarged", smooth), ("moved on a page", moved), ("photographed", photos)):
        prepared = np.stack([prepare_digit(image).image for image in inputs])
        accuracy = np.mean(mlp_reads(prepared) == labels)
        assert accuracy >= 0.95 and accuracy >= untouched - 0.02, f"{name}: {accuracy:.3f} (untouched {untouched:.3f})"
        # and the 28×28 images themselves stay close to MNIST's
        correlation = np.mean([np.corrcoef(a.ravel(), b.ravel())[0, 1] for a, b in zip(prepared, images)])
        assert correlation >= 0.9, f"{name}: mean pixel correlation {correlation:.3f}"


def test_a_drawn_digit_and_its_negative_and_its_colour_version_prepare_the_same(mnist_test):
    image = enlarged(mnist_test[0][0], 10)
    white_on_black = prepare_digit(image)
    black_on_white = prepare_digit(255 - image)
    rgba = np.dstack([image, image, image, np.full_like(image, 255)])  # what the canvas sends
    assert not white_on_black.inverted and black_on_white.inverted
    np.testing.assert_array_equal(black_on_white.image, white_on_black.image)
    np.testing.assert_array_equal(prepare_digit(rgba).image, white_on_black.image)


@pytest.mark.parametrize("ink_colour, expected_inverted", [(255, False), (0, True)])
def test_transparent_background_reads_as_background(ink_colour, expected_inverted):
    rgba = np.zeros((100, 100, 4), dtype=np.uint8)
    rgba[20:80, 45:55] = (ink_colour, ink_colour, ink_colour, 255)  # opaque stroke, transparent elsewhere
    steps = prepare_digit(rgba)
    assert steps.inverted is expected_inverted
    assert steps.box == (20, 45, 80, 55)
    assert steps.image.max() == 255 and steps.image[0, 0] == 0


def test_grayscale_is_pillows_luma():
    rgb = np.random.default_rng(0).integers(0, 256, (40, 50, 3), dtype=np.uint8)
    reference = np.asarray(Image.fromarray(rgb).convert("L"), dtype=float)
    assert np.abs(to_grayscale(rgb) - reference).max() <= 0.51  # Pillow rounds to integers


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 12), st.integers(1, 12), st.lists(st.floats(0, 255), min_size=144, max_size=144))
def test_centre_of_mass_is_scipys(height, width, values):
    image = np.array(values[: height * width]).reshape(height, width)
    if image.sum() == 0:
        with pytest.raises(ValueError):
            centre_of_mass(image)
        return
    np.testing.assert_allclose(centre_of_mass(image), scipy.ndimage.center_of_mass(image), rtol=1e-9, atol=1e-9)


@st.composite
def scribbles(draw):
    """A random digit-like drawing: a few thick strokes on a black canvas of random size."""
    height, width = draw(st.integers(40, 300)), draw(st.integers(40, 300))
    canvas = Image.new("L", (width, height), 0)
    pen = ImageDraw.Draw(canvas)
    points = draw(st.lists(st.tuples(st.integers(0, width - 1), st.integers(0, height - 1)), min_size=2, max_size=6))
    assume(max(abs(x - points[0][0]) + abs(y - points[0][1]) for x, y in points) >= 10)  # a stroke, not a dot
    pen.line(points, fill=draw(st.integers(120, 255)), width=draw(st.integers(2, 25)))
    return np.asarray(canvas)


@settings(max_examples=60, deadline=None)
@given(scribbles())
def test_any_drawing_becomes_an_mnist_like_28x28(drawing):
    steps = prepare_digit(drawing)
    image = steps.image
    assert image.shape == (28, 28) and image.dtype == np.uint8
    assert max(steps.scaled.shape) == BOX_SIDE and min(steps.scaled.shape) >= 1
    rows, columns = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
    assert rows[-1] - rows[0] + 1 <= BOX_SIDE and columns[-1] - columns[0] + 1 <= BOX_SIDE
    # all the ink is kept (up to rounding every pixel to an integer grey level)
    assert abs(float(image.sum()) - float(steps.scaled.sum())) <= 0.5 * image.size
    row, column = steps.centre_of_mass
    shown_row, shown_column = row + steps.offset[0], column + steps.offset[1]
    np.testing.assert_allclose(centre_of_mass(np.asarray(image, dtype=float)), (shown_row, shown_column), atol=0.5)
    if not steps.clamped:
        assert abs(shown_row - FRAME_CENTRE[0]) <= 0.5 and abs(shown_column - FRAME_CENTRE[1]) <= 0.5


def test_a_digit_heavy_at_the_top_is_kept_whole_rather_than_cut():
    t_shape = np.zeros((20, 20), dtype=np.float32)
    t_shape[:4, :] = 255  # a heavy bar
    t_shape[4:, 9:11] = 40  # a faint stem: centre of mass near row 3
    field, offset, clamped = centre_in_frame(t_shape)
    assert clamped and offset[0] == 8  # as far down as it goes: rows 8..27
    assert field.sum() == pytest.approx(t_shape.sum())


def test_shrinking_averages_areas_and_keeps_the_aspect_ratio():
    drawing = np.random.default_rng(2).integers(0, 256, (100, 100)).astype(np.float32)
    scaled = scale_to_box(drawing)
    assert scaled.shape == (20, 20)
    # each new pixel is the mean of the 5×5 block it covers
    np.testing.assert_allclose(scaled, drawing.reshape(20, 5, 20, 5).mean(axis=(1, 3)), atol=1e-3)
    assert scale_to_box(np.ones((30, 300))).shape == (2, 20)
    assert scale_to_box(np.ones((1, 300))).shape == (1, 20)


def test_paper_grain_specks_do_not_stretch_the_box():
    ink = np.zeros((100, 100))
    ink[30:70, 45:50] = 255
    ink[[2, 97, 5], [3, 90, 96]] = 200  # isolated specks
    assert ink_box(ink) == (30, 45, 70, 50)


# --- bad input: a sentence, never a traceback ------------------------------------------------------


@pytest.mark.parametrize(
    "image, words",
    [
        (np.zeros((280, 280, 4), dtype=np.uint8), "No digit found"),  # an empty canvas
        (np.full((280, 280), 200, dtype=np.uint8), "No digit found"),  # blank paper
        (np.random.default_rng(1).integers(90, 110, (200, 200)).astype(np.uint8), "No digit found"),  # grey noise
        (np.pad(np.full((1, 1), 255), 30), "only specks"),  # one dot
        (np.full((50, 50), np.nan), "NaN"),
        (np.zeros((50, 50, 2)), "grayscale, RGB or RGBA"),
        (np.zeros((3, 3)), "at least 8×8"),
        (np.zeros((5, 5, 5, 5)), "grayscale, RGB or RGBA"),
    ],
)
def test_unusable_images_raise_a_sentence(image, words):
    with pytest.raises(ValueError, match=words):
        prepare_digit(image)


def _png_claiming(width: int, height: int) -> bytes:
    """A real 1×1 PNG whose header is rewritten to claim width×height (a decompression bomb's shape)."""
    data = bytearray(png_bytes(np.zeros((1, 1), dtype=np.uint8)))
    ihdr = 8 + 8  # signature, then the IHDR chunk's length and type
    data[ihdr : ihdr + 8] = struct.pack(">II", width, height)
    data[ihdr + 13 : ihdr + 17] = struct.pack(">I", zlib.crc32(bytes(data[ihdr - 4 : ihdr + 13])))
    return bytes(data)


@pytest.mark.parametrize(
    "data, words",
    [
        (b"", "empty"),
        (b"these are lecture notes, not a picture", "not an image"),
        (b"%PDF-1.7\n" + b"0" * 1000, "not an image"),
        (png_bytes(np.random.default_rng(0).integers(0, 256, (60, 60), dtype=np.uint8))[:2000], "damaged or incomplete"),
        (_png_claiming(6_000, 5_000), "6000×5000 = 30 megapixels; the limit is 25"),
        (_png_claiming(30_000, 30_000), "far more than 25 megapixels"),
        (b"\x89PNG" + b"0" * (digits.MAX_UPLOAD_BYTES + 1), "limit is 20 MB"),
    ],
    ids=["empty", "text", "pdf", "truncated", "too-many-pixels", "bomb", "too-many-bytes"],
)
def test_unusable_uploads_raise_a_sentence(data, words):
    with pytest.raises(ValueError, match=words):
        decode_image(data)


def test_uploads_decode_to_what_was_saved_upright_and_small_enough():
    rng = np.random.default_rng(3)
    gray = rng.integers(0, 256, (30, 40), dtype=np.uint8)
    np.testing.assert_array_equal(decode_image(png_bytes(gray)), gray)

    colour = rng.integers(0, 256, (30, 40, 3), dtype=np.uint8)
    np.testing.assert_array_equal(decode_image(png_bytes(colour)), colour)

    sixteen_bit = (np.arange(64 * 64, dtype=np.uint16).reshape(64, 64) * 16)
    np.testing.assert_array_equal(decode_image(png_bytes(sixteen_bit)), np.rint(sixteen_bit / 257).astype(np.uint8))

    # a phone photo taken sideways: EXIF orientation 6 means "rotate 90° clockwise to view"
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(np.zeros((30, 40, 3), dtype=np.uint8)).save(buffer, format="JPEG", exif=exif)
    assert decode_image(buffer.getvalue()).shape == (40, 30, 3)

    big = np.zeros((3000, 2000), dtype=np.uint8)
    assert decode_image(png_bytes(big)).shape == (digits.WORKING_SIDE, round(digits.WORKING_SIDE * 2 / 3))

    transparent = np.zeros((20, 20, 4), dtype=np.uint8)
    assert decode_image(png_bytes(transparent)).shape == (20, 20, 4)


# --- feeding a model ---------------------------------------------------------------------------------


def test_inputs_for_model_match_the_shipped_models_own_preprocessing():
    from annviz.pretrained import model_inputs

    images = np.random.default_rng(0).integers(0, 256, (3, 28, 28), dtype=np.uint8)
    np.testing.assert_array_equal(inputs_for_model((None, 784), images), model_inputs("mlp", images))
    np.testing.assert_array_equal(inputs_for_model((None, 28, 28, 1), images), model_inputs("cnn", images))
    assert inputs_for_model((None, 28, 28), images).shape == (3, 28, 28)
    with pytest.raises(ValueError, match="784 pixels or a 28×28 image"):
        inputs_for_model((None, 32, 32, 3), images)
    with pytest.raises(ValueError, match="shape"):
        inputs_for_model((None, 784), images[0])


def test_probabilities_pass_through_and_logits_get_scipys_softmax():
    p = np.array([0.05, 0.7, 0.25] + [0.0] * 7)
    same, applied = as_probabilities(p)
    assert not applied
    np.testing.assert_array_equal(same, p)
    logits = np.array([2.0, -1.0, 0.5, 3.0, 0.0, 0.0, 1.0, -2.0, 0.3, 0.1])
    probabilities, applied = as_probabilities(logits)
    assert applied
    np.testing.assert_allclose(probabilities, scipy.special.softmax(logits), rtol=1e-12)
    for bad in (np.zeros(9), np.full(10, np.nan)):
        with pytest.raises(ValueError, match="10 numbers"):
            as_probabilities(bad)
