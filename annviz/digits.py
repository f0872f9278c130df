"""A digit drawn on the canvas or photographed on paper, prepared the way MNIST was made.

LeCun, Cortes and Burges built MNIST from NIST's black-and-white scans: each digit was
size-normalised to fit a 20×20 box keeping its aspect ratio (anti-aliasing turned the
edges grey), then placed in a 28×28 field so that its centre of mass sits at the centre.
A network trained on MNIST has only ever seen images like that, so a drawing has to go
through the same steps before the model can read it:

1. grayscale (ITU-R 601 luma, as Pillow's ``convert("L")``);
2. white ink on black, inverted if the background is light, paper grey removed;
3. cropped to the bounding box of the ink;
4. the longer side scaled to 20 px, aspect ratio kept, anti-aliased (area averaging);
5. pasted into 28×28 with its centre of mass on pixel (14, 14) (MNIST's centres of mass
   all lie within half a pixel of (14, 14)).

Uploads are decoded with Pillow behind a size cap (bytes and pixels) so a huge file or a
decompression bomb is refused before it is decoded. Keras is never imported here.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from annviz.activations import softmax
from annviz.errors import InputError
from annviz.mnist import IMAGE_SIDE, N_CLASSES, N_PIXELS

#: The longer side of the ink's bounding box after size normalisation (MNIST: 20 px).
BOX_SIDE = 20
#: Where the centre of mass lands in the 28×28 field, as (row, column) pixel indices.
FRAME_CENTRE = (14.0, 14.0)
#: Ink that would show as at least one grey level (of 255) counts for the bounding box; MNIST's
#: box holds every non-zero pixel. Paper grain is removed before (``GRAIN_SIGMAS``), and a
#: lone speck does not count (``ink_box``).
BOX_THRESHOLD = 0.5 / 255
#: Paper grain up to this many σ above the paper counts as paper (a photo's noise, made blotchy
#: by JPEG, would otherwise leave specks that stretch the ink's box).
GRAIN_SIGMAS = 5.0
#: Less contrast than this (grey levels between background and darkest ink) is "no ink".
MIN_CONTRAST = 32.0
#: Upload caps: bytes on the wire and pixels once decoded (a 24-megapixel photo passes).
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_PIXELS = 25_000_000
#: Uploads are shrunk to at most this many pixels on their longer side while decoding: a digit
#: filling a tenth of the photo's height still has 50 px on its way to 20, and a 12-megapixel
#: JPEG is decoded at 1/4 size (at 1024 px the steps cost 1.5× a plain full-size decode).
WORKING_SIDE = 512
#: The smallest image worth reading as a digit.
MIN_SIDE = 8
#: Formats Pillow may open for an upload (no PDF, EPS or other exotic decoders).
UPLOAD_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "WEBP")
#: ITU-R 601-2 luma weights of R, G, B, the ones Pillow's ``convert("L")`` uses.
LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114])


@dataclass(frozen=True)
class DigitSteps:
    """Every step from the drawing to the 28×28 image the model sees, for display.

    ``box`` is (top, left, bottom, right) in ``ink`` with bottom/right exclusive;
    ``centre_of_mass`` is (row, column) in ``scaled``; ``offset`` is where ``scaled``'s
    top-left pixel lands in ``image``; ``clamped`` says the offset had to be moved so that
    no ink fell off the 28×28 field (the centre of mass is then off centre).
    """

    grayscale: np.ndarray
    inverted: bool
    background: float
    ink: np.ndarray
    box: tuple[int, int, int, int]
    cropped: np.ndarray
    scaled: np.ndarray
    centre_of_mass: tuple[float, float]
    offset: tuple[int, int]
    clamped: bool
    image: np.ndarray


def to_grayscale(image: np.ndarray) -> np.ndarray:
    """Grayscale 0–255 float32 of an (h, w), (h, w, 3) RGB or (h, w, 4) RGBA image.

    ``L = 0.299 R + 0.587 G + 0.114 B`` (ITU-R 601-2, as Pillow's ``convert("L")``).
    Transparent parts of an RGBA image are filled with the colour opposite to the opaque
    ink's mean brightness (white ink on transparent → black, dark ink → white), so that
    a transparent background always reads as background.

    >>> rgb = np.zeros((1, 2, 3), dtype=np.uint8); rgb[0, 1] = (255, 0, 0)
    >>> to_grayscale(rgb).round(2).tolist()
    [[0.0, 76.25]]
    """
    image = np.asarray(image)
    if image.ndim == 2:
        gray = image.astype(np.float64)
    elif image.ndim == 3 and image.shape[2] in (3, 4):
        gray = image[..., :3].astype(np.float64) @ LUMA_WEIGHTS
        if image.shape[2] == 4:
            alpha = image[..., 3].astype(np.float64) / 255.0
            opaque = alpha > 0.5
            ink_brightness = gray[opaque].mean() if opaque.any() else 0.0
            fill = 0.0 if ink_brightness > 127.5 else 255.0
            gray = alpha * gray + (1.0 - alpha) * fill
    else:
        raise InputError(f"Expected a grayscale, RGB or RGBA image, got an array of shape {image.shape}.")
    if not np.isfinite(gray).all():
        raise InputError("The image contains NaN or infinite values; pixel values must be numbers from 0 to 255.")
    return np.clip(gray, 0.0, 255.0).astype(np.float32)


def _border_ring(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the outermost ring of pixels, two wide (one for tiny images)."""
    height, width = shape
    ring = np.zeros(shape, dtype=bool)
    w = 2 if min(shape) >= 16 else 1
    ring[:w], ring[-w:], ring[:, :w], ring[:, -w:] = True, True, True, True
    return np.nonzero(ring)


def paper_level(values: np.ndarray) -> tuple[np.ndarray, float]:
    """The background under the ink, as a plane fitted to the border, and the paper's noise σ.

    A photo's paper is rarely even: light falls off across the page. A plane
    ``b(r, c) = a₀ + a₁ r + a₂ c`` is fitted by least squares to the border ring, leaving out
    border pixels well above the paper (a stroke running off the edge): first those above
    the ring's median, then, three times over, those above the last plane. σ is the robust
    spread of the paper left in, ``1.4826 · median|e − median e|``.
    A clean drawing (black border) gives ``b = 0`` and ``σ = 0``.

    >>> lit = np.add.outer(np.zeros(20), np.linspace(40, 80, 30))     # darker to the right
    >>> plane, sigma = paper_level(lit)
    >>> round(float(plane[0, 0]), 3), round(float(plane[5, -1]), 3), sigma
    (40.0, 80.0, 0.0)
    """
    values = np.asarray(values, dtype=np.float64)
    rows, columns = _border_ring(values.shape)
    design = np.column_stack([np.ones(rows.size), rows, columns]).astype(np.float64)
    border = values[rows, columns]

    def spread(errors: np.ndarray) -> float:
        return 1.4826 * float(np.median(np.abs(errors - np.median(errors))))

    residual = border - np.median(border)
    sigma = spread(residual)
    for _ in range(3):
        keep = residual <= max(3.0 * sigma, 2.0)
        coefficients = np.linalg.lstsq(design[keep], border[keep], rcond=None)[0]
        residual = border - design @ coefficients
        sigma = spread(residual[keep])
    all_rows, all_columns = np.indices(values.shape)
    plane = coefficients[0] + coefficients[1] * all_rows + coefficients[2] * all_columns
    return plane, float(round(sigma, 9))


def ink_on_black(gray: np.ndarray) -> tuple[np.ndarray, bool, float]:
    """White ink on black, as MNIST: invert a light background, remove the paper.

    The border decides the polarity (its median is light → invert; MNIST is white on
    black). Then the paper (:func:`paper_level`: plane ``b`` and grain ``σ``) is removed
    and what rises above it is stretched to 0–255:

    ``ink = 255 · clip((v − b − 3σ) / (max(v − b) − 3σ), 0, 1)``,

    which leaves a clean drawing (black border, ink up to 255) unchanged.
    Returns ``(ink, inverted, mean background level)``; no ink (too little contrast) raises
    ValueError.

    >>> paper = np.full((10, 10), 200.0); paper[3:7, 4:6] = 20.0   # dark stroke on light paper
    >>> ink, inverted, level = ink_on_black(paper)
    >>> inverted, round(level, 3), float(ink.max()), float(ink[0, 0])
    (True, 55.0, 255.0, 0.0)
    """
    gray = np.asarray(gray, dtype=np.float64)
    inverted = bool(np.median(gray[_border_ring(gray.shape)]) > 127.5)
    values = 255.0 - gray if inverted else gray
    plane, sigma = paper_level(values)
    above = values - plane - GRAIN_SIGMAS * sigma
    contrast = float(above.max())
    if contrast < MIN_CONTRAST:
        raise InputError(
            "No digit found: the image is empty or has too little contrast. Draw a digit, or upload a photo "
            "of a dark digit on light paper (or a light one on dark)."
        )
    ink = np.clip(above / contrast, 0.0, 1.0) * 255.0
    return ink.astype(np.float32), inverted, float(plane.mean() + GRAIN_SIGMAS * sigma)


def ink_box(ink: np.ndarray, *, threshold: float = BOX_THRESHOLD, min_neighbourhood: int = 3) -> tuple[int, int, int, int]:
    """Bounding box (top, left, bottom, right; bottom/right exclusive) of the ink.

    Ink is a pixel ≥ ``threshold`` · 255 (about one grey level) with at least ``min_neighbourhood`` ink pixels in its
    3×3 neighbourhood (itself included): a stroke, even a one-pixel diagonal one, passes;
    an isolated speck of paper grain or JPEG noise does not stretch the box.

    >>> ink = np.zeros((8, 8)); ink[1:3, 2:5] = 255; ink[7, 0] = 255   # a bar and a speck
    >>> ink_box(ink)
    (1, 2, 3, 5)
    """
    ink = np.asarray(ink)
    mask = ink >= threshold * 255.0
    padded = np.pad(mask, 1).astype(np.int8)
    height, width = mask.shape
    neighbourhood = sum(padded[dy : dy + height, dx : dx + width] for dy in range(3) for dx in range(3))
    mask &= neighbourhood >= min_neighbourhood
    if not mask.any():
        raise InputError("No digit found: the image has no stroke, only specks. Draw a digit, or upload a clearer photo.")
    rows, columns = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return int(rows[0]), int(columns[0]), int(rows[-1]) + 1, int(columns[-1]) + 1


def scale_to_box(cropped: np.ndarray, side: int = BOX_SIDE) -> np.ndarray:
    """Scale so the longer side is ``side`` px, keeping the aspect ratio, anti-aliased.

    Shrinking averages the area each new pixel covers (Pillow's BOX filter); enlarging a
    tiny drawing interpolates bilinearly. The shorter side is ``max(1, round(s · side / long))``.

    >>> scale_to_box(np.full((200, 100), 255.0)).shape
    (20, 10)
    >>> float(scale_to_box(np.full((200, 100), 255.0)).min())
    255.0
    """
    cropped = np.asarray(cropped, dtype=np.float32)
    height, width = cropped.shape
    scale = side / max(height, width)
    new_height, new_width = max(1, round(height * scale)), max(1, round(width * scale))
    resample = Image.Resampling.BOX if scale <= 1 else Image.Resampling.BILINEAR
    scaled = Image.fromarray(cropped, mode="F").resize((new_width, new_height), resample)
    return np.clip(np.asarray(scaled, dtype=np.float32), 0.0, 255.0)


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """Intensity-weighted mean position (row, column): ``r̄ = Σ r·I(r, c) / Σ I(r, c)``, same for c.

    The same as ``scipy.ndimage.center_of_mass``.

    >>> image = np.zeros((5, 5)); image[1, 1] = 1; image[1, 3] = 3
    >>> centre_of_mass(image)
    (1.0, 2.5)
    """
    image = np.asarray(image, dtype=np.float64)
    total = image.sum()
    if total <= 0:
        raise InputError("No digit found: the image has no ink.")
    rows, columns = np.indices(image.shape)
    return float((rows * image).sum() / total), float((columns * image).sum() / total)


def centre_in_frame(
    scaled: np.ndarray, *, side: int = IMAGE_SIDE, centre: tuple[float, float] = FRAME_CENTRE
) -> tuple[np.ndarray, tuple[int, int], bool]:
    """Paste ``scaled`` into a ``side``×``side`` black field with its centre of mass on ``centre``.

    The shift is whole pixels, ``offset = round(centre − centre_of_mass)``, so the centre of
    mass lands within half a pixel of ``centre``. If that would push ink off the field the
    offset is moved just enough to keep all of it (``clamped`` is then True).
    Returns ``(field, (row offset, column offset), clamped)``.

    >>> dot = np.zeros((20, 20)); dot[9, 10] = 255             # centre of mass (9, 10)
    >>> field, offset, clamped = centre_in_frame(dot)
    >>> offset, clamped, centre_of_mass(field)
    ((5, 4), False, (14.0, 14.0))
    """
    scaled = np.asarray(scaled, dtype=np.float32)
    height, width = scaled.shape
    if height > side or width > side:
        raise InputError(f"A {width}×{height} image does not fit into a {side}×{side} field.")
    row, column = centre_of_mass(scaled)
    wanted = (int(np.floor(centre[0] - row + 0.5)), int(np.floor(centre[1] - column + 0.5)))
    offset = (min(max(wanted[0], 0), side - height), min(max(wanted[1], 0), side - width))
    field = np.zeros((side, side), dtype=np.float32)
    field[offset[0] : offset[0] + height, offset[1] : offset[1] + width] = scaled
    return field, offset, offset != wanted


def prepare_digit(image: np.ndarray) -> DigitSteps:
    """The whole MNIST procedure: grayscale → white on black → crop → 20 px box → centred 28×28 uint8.

    ``image`` is an (h, w) grayscale, (h, w, 3) RGB or (h, w, 4) RGBA array, 0–255
    (a canvas drawing, or :func:`decode_image`'s result). Raises ValueError with a
    sentence for an empty canvas, a blank photo or an unusable array.

    >>> drawing = np.zeros((280, 280), dtype=np.uint8); drawing[40:240, 130:150] = 255   # a "1"
    >>> steps = prepare_digit(drawing)
    >>> steps.image.shape, steps.image.dtype, steps.scaled.shape, steps.offset
    ((28, 28), dtype('uint8'), (20, 2), (5, 14))
    """
    gray = to_grayscale(image)
    if min(gray.shape) < MIN_SIDE:
        raise InputError(f"The image is {gray.shape[1]}×{gray.shape[0]} px: a digit needs at least {MIN_SIDE}×{MIN_SIDE}.")
    ink, inverted, background = ink_on_black(gray)
    top, left, bottom, right = ink_box(ink)
    cropped = ink[top:bottom, left:right]
    scaled = scale_to_box(cropped)
    field, offset, clamped = centre_in_frame(scaled)
    return DigitSteps(
        grayscale=gray, inverted=inverted, background=background, ink=ink, box=(top, left, bottom, right),
        cropped=cropped, scaled=scaled, centre_of_mass=centre_of_mass(scaled), offset=offset, clamped=clamped,
        image=np.clip(np.rint(field), 0, 255).astype(np.uint8),
    )


def decode_image(
    data: bytes,
    *,
    max_bytes: int = MAX_UPLOAD_BYTES,
    max_pixels: int = MAX_UPLOAD_PIXELS,
    working_side: int = WORKING_SIDE,
) -> np.ndarray:
    """Decode uploaded bytes (PNG, JPEG, BMP, GIF, WebP) into a uint8 array, safely.

    Refuses more than ``max_bytes`` before reading and more than ``max_pixels`` from the
    header, before anything is decoded (a decompression bomb is a small file that claims
    a huge picture). A phone photo's EXIF rotation is applied; the picture is shrunk to at
    most ``working_side`` px on its longer side. Returns (h, w) for grayscale files,
    (h, w, 3) for colour and (h, w, 4) where there is transparency. Anything else raises
    ValueError with a sentence.

    >>> buffer = io.BytesIO(); Image.new("L", (40, 30), 255).save(buffer, format="PNG")
    >>> decode_image(buffer.getvalue()).shape
    (30, 40)
    >>> decode_image(b"%PDF-1.7 not a picture")
    Traceback (most recent call last):
    ...
    annviz.errors.InputError: That file is not an image annviz can read: upload a PNG or JPEG photo of a digit.
    """
    if len(data) == 0:
        raise InputError("The uploaded file is empty: upload a PNG or JPEG photo of a digit.")
    if len(data) > max_bytes:
        raise InputError(
            f"The file is {len(data) / 2**20:.1f} MB; the limit is {max_bytes / 2**20:.0f} MB. "
            "Upload a smaller photo (a screenshot or a phone photo at normal size is plenty)."
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            picture = Image.open(io.BytesIO(data), formats=UPLOAD_FORMATS)  # reads the header only
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:  # Pillow's own, far higher cap
        raise InputError(
            f"The image claims far more than {max_pixels / 1e6:.0f} megapixels, the limit. Upload a smaller photo."
        ) from error
    except (UnidentifiedImageError, OSError) as error:
        raise InputError("That file is not an image annviz can read: upload a PNG or JPEG photo of a digit.") from error
    width, height = picture.size
    if width * height > max_pixels:
        raise InputError(
            f"The image claims {width}×{height} = {width * height / 1e6:.0f} megapixels; the limit is "
            f"{max_pixels / 1e6:.0f}. Upload a smaller photo."
        )
    try:
        picture.draft("RGB", (working_side, working_side))  # JPEG: decode at 1/2, 1/4 or 1/8 size
        picture = ImageOps.exif_transpose(picture)
        picture.thumbnail((working_side, working_side), Image.Resampling.LANCZOS)
        return _as_array(picture)
    except (OSError, SyntaxError, EOFError, ValueError, IndexError, TypeError, struct.error) as error:
        # Pillow's ways of saying "truncated or corrupt" (a header that decodes, a body that does not)
        raise InputError("That image file is damaged or incomplete: upload it again, or another photo.") from error


def _as_array(picture: Image.Image) -> np.ndarray:
    """Pillow image → uint8 array: L for grayscale, RGB for colour, RGBA where transparent."""
    if picture.mode.startswith(("I", "F")):  # 16-bit PNGs and the like: 0–65535 → 0–255
        values = np.asarray(picture, dtype=np.float64) / 257.0
        return np.clip(np.rint(values), 0, 255).astype(np.uint8)
    has_alpha = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
    if has_alpha:
        return np.asarray(picture.convert("RGBA"))
    if picture.mode in ("1", "L"):
        return np.asarray(picture.convert("L"))
    return np.asarray(picture.convert("RGB"))


def inputs_for_model(input_shape: Sequence[int | None], images: np.ndarray) -> np.ndarray:
    """uint8 digits (n, 28, 28) → what a Keras model with this ``input_shape`` takes, scaled to [0, 1].

    ``(None, 784)``: the lecture's ``x.reshape(-1, 784) / 255``; ``(None, 28, 28)`` and
    ``(None, 28, 28, 1)``: the grid, with a channel axis where the model has one.

    >>> inputs_for_model((None, 784), np.full((1, 28, 28), 255, dtype=np.uint8)).shape
    (1, 784)
    >>> inputs_for_model((None, 28, 28, 1), np.zeros((2, 28, 28), dtype=np.uint8)).shape
    (2, 28, 28, 1)
    """
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise InputError(f"Expected digits of shape (n, 28, 28), got {images.shape}.")
    features = tuple(input_shape)[1:]
    scaled = images.astype(np.float32) / np.float32(255.0)
    if features == (N_PIXELS,):
        return scaled.reshape(len(images), N_PIXELS)
    if features in ((IMAGE_SIDE, IMAGE_SIDE), (IMAGE_SIDE, IMAGE_SIDE, 1)):
        return scaled.reshape(len(images), *features)
    raise InputError(
        f"This model takes inputs of shape {tuple(input_shape)}; a drawn digit can feed a model that takes "
        "784 pixels or a 28×28 image."
    )


def as_probabilities(outputs: np.ndarray) -> tuple[np.ndarray, bool]:
    """The model's ten outputs as probabilities; softmax applied if they are not already.

    A softmax output layer (the lecture's) gives non-negative values summing to 1; those are
    returned as they are. Anything else (logits) goes through ``softmax(z)_k = e^{z_k} / Σ_j e^{z_j}``.
    Returns ``(probabilities, softmax_applied)``.

    >>> as_probabilities(np.array([0.1, 0.9] + [0.0] * 8))[1]
    False
    >>> p, applied = as_probabilities(np.zeros(10)); applied, float(p[3])
    (True, 0.1)
    """
    outputs = np.asarray(outputs, dtype=np.float64).reshape(-1)
    if outputs.shape != (N_CLASSES,) or not np.isfinite(outputs).all():
        raise InputError(f"The model gave {outputs.size} outputs (or non-finite ones); a digit classifier gives 10 numbers.")
    if outputs.min() >= 0 and abs(outputs.sum() - 1.0) < 1e-3:
        return outputs, False
    return softmax(outputs), True
