"""What the playground draws: the network, its decision boundary and the loss curves as frames the browser plays,
and the gradient's size per layer.

The boundary and every neuron's map are small grids of one byte per cell (a colour code):
a chunk of 20 epochs is a few kB, and the browser animates its frames itself (a ``<canvas>``
in :func:`playback_html`), so the server computes a chunk once per two seconds of play
instead of drawing ten figures a second. Colours are TensorFlow Playground's: orange for
negative (class 0), blue for positive (class 1), white at 0.

>>> from annviz.playground import make_network, initial_parameters
>>> network = make_network(2, (3,), "tanh", "binary")
>>> view = grid_view(network, ("x1", "x2"), extent=6.0)
>>> codes = frame_codes(network, initial_parameters(network, 0), view)
>>> codes.boundary.shape, codes.boundary.dtype, codes.neurons.shape
((1600,), dtype('uint8'), (4, 144))
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

import numpy as np

from annviz.figure_data import FinishedFigure
from annviz.playground import FEATURES, Network, PointSet, Setup, TrainingState, feature_matrix, forward, layer_views

#: Cells per side of the boundary map and of each neuron's map.
GRID, NEURON_GRID = 40, 12
NEGATIVE, POSITIVE = np.array([245, 147, 34]), np.array([8, 119, 189])
WHITE = np.array([255, 255, 255])
#: Class colours beyond Playground's two (Okabe-Ito green and purple for classes 2 and 3).
CLASS_COLOURS = np.array([NEGATIVE, POSITIVE, [0, 158, 115], [204, 121, 167]])
CLASS_LEVELS = 64


def diverging_palette() -> np.ndarray:
    """256 colours: code 0 is −1 (orange), 128 is about 0 (white), 255 is +1 (blue).

    >>> diverging_palette()[[0, 255]].tolist()
    [[245, 147, 34], [8, 119, 189]]
    """
    t = np.linspace(-1.0, 1.0, 256)[:, None]
    colour = np.where(t < 0, WHITE + (NEGATIVE - WHITE) * -t, WHITE + (POSITIVE - WHITE) * t)
    return np.round(colour).astype(np.uint8)


def class_palette() -> np.ndarray:
    """256 colours: code 64·k + level is class k, from white (level 0, unsure) to its colour (level 63).

    >>> class_palette()[[63, 127]].tolist()
    [[245, 147, 34], [8, 119, 189]]
    """
    level = np.linspace(0.0, 1.0, CLASS_LEVELS)[:, None]
    return np.concatenate([np.round(WHITE + (c - WHITE) * level) for c in CLASS_COLOURS]).astype(np.uint8)


def _diverging_codes(values: np.ndarray) -> np.ndarray:
    return np.round((np.clip(values, -1.0, 1.0) + 1.0) * 127.5).astype(np.uint8)


@dataclass(frozen=True)
class GridView:
    """The points where the maps are computed: the boundary's grid and the neurons' coarser one, as network inputs."""

    extent: tuple[float, float, float, float]
    boundary_inputs: np.ndarray
    neuron_inputs: np.ndarray
    feature_codes: np.ndarray


def _grid_points(extent: tuple[float, float, float, float], cells: int) -> np.ndarray:
    x_low, x_high, y_low, y_high = extent
    xs = np.linspace(x_low, x_high, cells)
    ys = np.linspace(y_high, y_low, cells)  # the first row is the top of the picture
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


def data_extent(points: PointSet | None, default: float) -> tuple[float, float, float, float]:
    """The square the maps show: [−6, 6]² for the built-in data, the points' range with a margin for a CSV.

    >>> data_extent(None, 6.0)
    (-6.0, 6.0, -6.0, 6.0)
    """
    if points is None:
        return (-default, default, -default, default)
    low, high = points.x.min(axis=0), points.x.max(axis=0)
    margin = np.maximum((high - low) * 0.1, 1e-3)
    low, high = low - margin, high + margin
    return (float(low[0]), float(high[0]), float(low[1]), float(high[1]))


def grid_view(network: Network, features: tuple[str, ...], *, extent: float | tuple[float, float, float, float]
              ) -> GridView:
    """The grids for ``features`` over ``extent`` (a half-width, or x_low, x_high, y_low, y_high)."""
    box = (-extent, extent, -extent, extent) if isinstance(extent, (int, float)) else extent
    neuron_points = _grid_points(box, NEURON_GRID)
    neuron_inputs = feature_matrix(neuron_points, features)
    scale = np.maximum(np.abs(neuron_inputs).max(axis=0), 1e-9)
    return GridView(box, feature_matrix(_grid_points(box, GRID), features), neuron_inputs,
                    _diverging_codes(neuron_inputs / scale).T.copy())


@dataclass(frozen=True)
class FrameCodes:
    """One frame: the boundary's colour codes (GRID²) and each hidden and output neuron's (NEURON_GRID² each)."""

    boundary: np.ndarray
    neurons: np.ndarray


def _scaled(values: np.ndarray, activation: str) -> np.ndarray:
    if activation in ("sigmoid", "softmax"):
        return 2.0 * values - 1.0
    if activation == "tanh":
        return values
    return values / max(float(np.abs(values).max()), 1e-9)


def output_codes(network: Network, output: np.ndarray, *, target_scale: float) -> np.ndarray:
    """Colour codes of the network's output: P(class 1) as −1…1, the winning class and how sure, or ŷ / scale.

    >>> from annviz.playground import make_network
    >>> output_codes(make_network(2, (), "relu", "binary"), np.array([[0.0], [1.0]]), target_scale=1.0).tolist()
    [0, 255]
    """
    if network.task == "multiclass":
        k = output.shape[1]
        winner = output.argmax(axis=1)
        sure = (output.max(axis=1) - 1.0 / k) / (1.0 - 1.0 / k)
        return (winner * CLASS_LEVELS + np.round(np.clip(sure, 0, 1) * (CLASS_LEVELS - 1))).astype(np.uint8)
    if network.task == "binary":
        return _diverging_codes(2.0 * output[:, 0] - 1.0)
    return _diverging_codes(output[:, 0] / target_scale)


def frame_codes(network: Network, parameters: np.ndarray, view: GridView, *, target_scale: float = 1.0) -> FrameCodes:
    """The boundary and every neuron's map for one set of weights."""
    with np.errstate(all="ignore"):
        boundary = output_codes(network, forward(network, parameters, view.boundary_inputs)[-1][1],
                                target_scale=target_scale)
        maps = []
        for (_, a), activation in zip(forward(network, parameters, view.neuron_inputs), network.activations):
            maps.append(_diverging_codes(_scaled(a, activation)).T)
    return FrameCodes(boundary, np.concatenate(maps).astype(np.uint8))


#: Most loss points sent to the browser; a longer history is thinned evenly (the last epoch always kept).
MAX_HISTORY = 400


def _thinned_history(history: tuple[tuple[float, ...], tuple[float, ...]]) -> dict[str, list[float]]:
    """Epochs, train and test losses to draw, at most :data:`MAX_HISTORY` of them.

    >>> _thinned_history(((0.7, 0.6, 0.5), (0.7, 0.65, 0.6)))["epoch"]
    [0, 1, 2]
    >>> len(_thinned_history((tuple(range(1000)), tuple(range(1000))))["epoch"]) <= MAX_HISTORY + 1
    True
    """
    train, test = history
    count = len(train)
    if count == 0:
        return {"epoch": [], "train": [], "test": []}
    keep = np.unique(np.concatenate([np.arange(0, count, max(1, -(-count // MAX_HISTORY))), [count - 1]]))
    return {"epoch": keep.tolist(), "train": [float(f"{train[i]:.4g}") for i in keep],
            "test": [float(f"{test[i]:.4g}") for i in keep]}


def _b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")


def point_codes(points: PointSet, *, target_scale: float) -> list[int]:
    """Each point's colour code in the palette of its task."""
    if points.task == "regression":
        return _diverging_codes(points.y / target_scale).tolist()
    if points.task == "binary":
        return np.where(points.y == 1, 255, 0).tolist()
    return (points.y * CLASS_LEVELS + CLASS_LEVELS - 1).astype(int).tolist()


def playback_data(network: Network, features: tuple[str, ...], view: GridView, frames: list[FrameCodes],
                  weights: list[np.ndarray], epochs: list[int], losses: list[tuple[float, float]],
                  train: PointSet, test: PointSet, *, interval_ms: int, target_scale: float,
                  history: tuple[tuple[float, ...], tuple[float, ...]] = ((), ())) -> dict:
    """Everything the browser needs to play a chunk: palettes, points, the network's shape and each frame.

    ``history`` is the train and test loss of every epoch so far (epoch 0 first): the browser draws
    them up to the epoch of the frame it shows (at most :data:`MAX_HISTORY` points, thinned evenly).

    >>> from annviz.playground import make_network, initial_parameters, make_points
    >>> network = make_network(2, (2,), "relu", "binary")
    >>> view = grid_view(network, ("x1", "x2"), extent=6.0)
    >>> w = initial_parameters(network, 0)
    >>> pts = make_points("xor", points=10, noise=0, seed=0)
    >>> data = playback_data(network, ("x1", "x2"), view, [frame_codes(network, w, view)], [w], [0], [(0.7, 0.7)],
    ...                      pts, pts, interval_ms=100, target_scale=1.0)
    >>> data["sizes"], len(data["frames"])
    ([2, 2, 1], 1)
    """
    palette = class_palette() if network.task == "multiclass" else diverging_palette()
    x_low, x_high, y_low, y_high = view.extent
    return {
        "palette": palette.ravel().tolist(),
        "neuronPalette": diverging_palette().ravel().tolist(),
        "grid": GRID, "neuronGrid": NEURON_GRID, "extent": [x_low, x_high, y_low, y_high],
        "sizes": list(network.sizes), "features": [FEATURES[f].label for f in features],
        "featureMaps": _b64(view.feature_codes),
        "points": [[round(float(a), 3), round(float(b), 3), c, part]
                   for part, points in ((0, train), (1, test))
                   for (a, b), c in zip(points.x, point_codes(points, target_scale=target_scale))],
        "interval": int(interval_ms),
        "history": _thinned_history(history),
        "frames": [
            {"boundary": _b64(f.boundary), "neurons": _b64(f.neurons),
             "weights": _b64(np.concatenate([W.ravel() for W, _ in layer_views(network, w)]).astype(np.float32)),
             "epoch": int(e), "train": round(float(tr), 4), "test": round(float(te), 4)}
            for f, w, e, (tr, te) in zip(frames, weights, epochs, losses)
        ],
    }


#: The browser's half: decode the frames and draw them one after the other at ``interval`` ms.
_PLAYER_JS = r"""
const D = JSON.parse(document.getElementById("pg-data").textContent);
const bytes = s => Uint8Array.from(atob(s), c => c.charCodeAt(0));
const floats = s => new Float32Array(bytes(s).buffer);
const net = document.getElementById("pg-net"), map = document.getElementById("pg-map");
const info = document.getElementById("pg-info"), curve = document.getElementById("pg-loss");
net.width = curve.width = Math.max(240, Math.min(640, document.body.clientWidth - map.width - 24));
function cells(codes, n, palette) {
  const c = document.createElement("canvas"); c.width = n; c.height = n;
  const ctx = c.getContext("2d"), img = ctx.createImageData(n, n);
  for (let i = 0; i < n * n; i++) {
    const k = codes[i] * 3;
    img.data.set([palette[k], palette[k + 1], palette[k + 2], 255], i * 4);
  }
  ctx.putImageData(img, 0, 0); return c;
}
function colour(code, palette) { const k = code * 3; return `rgb(${palette[k]},${palette[k + 1]},${palette[k + 2]})`; }
const featureMaps = bytes(D.featureMaps), nn = D.neuronGrid * D.neuronGrid;
const columns = D.sizes.length, gapY = 8;
const box = Math.min(34, Math.floor(net.height / Math.max(...D.sizes)) - gapY);
const colX = i => 40 + i * (net.width - 110) / Math.max(columns - 1, 1);
const rowY = (count, j) => (net.height - count * (box + gapY)) / 2 + j * (box + gapY);
function drawNet(frame) {
  const ctx = net.getContext("2d"); ctx.clearRect(0, 0, net.width, net.height);
  const w = floats(frame.weights), neurons = bytes(frame.neurons);
  let offset = 0;
  for (let l = 0; l + 1 < columns; l++) {
    const nIn = D.sizes[l], nOut = D.sizes[l + 1];
    for (let i = 0; i < nIn; i++) for (let j = 0; j < nOut; j++) {
      const v = w[offset + i * nOut + j];
      ctx.strokeStyle = v >= 0 ? "rgba(8,119,189,0.8)" : "rgba(245,147,34,0.8)";
      ctx.lineWidth = Math.min(0.5 + Math.abs(v) * 2, 7);
      ctx.beginPath(); ctx.moveTo(colX(l) + box, rowY(nIn, i) + box / 2);
      ctx.lineTo(colX(l + 1), rowY(nOut, j) + box / 2); ctx.stroke();
    }
    offset += nIn * nOut;
  }
  let m = 0;
  for (let l = 0; l < columns; l++) for (let j = 0; j < D.sizes[l]; j++) {
    const codes = l === 0 ? featureMaps.subarray(j * nn, (j + 1) * nn) : neurons.subarray(m * nn, (m++ + 1) * nn);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(cells(codes, D.neuronGrid, D.neuronPalette), colX(l), rowY(D.sizes[l], j), box, box);
    ctx.strokeStyle = "#555"; ctx.lineWidth = 1; ctx.strokeRect(colX(l), rowY(D.sizes[l], j), box, box);
    if (l === 0) { ctx.fillStyle = "#222"; ctx.font = `${D.font}px sans-serif`; ctx.textAlign = "right";
      ctx.fillText(D.features[j], colX(0) - 4, rowY(D.sizes[0], j) + box / 2 + 4); }
  }
}
function drawMap(frame) {
  const ctx = map.getContext("2d");
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(cells(bytes(frame.boundary), D.grid, D.palette), 0, 0, map.width, map.height);
  const [x0, x1, y0, y1] = D.extent;
  for (const [x, y, code, part] of D.points) {
    const px = (x - x0) / (x1 - x0) * map.width, py = (y1 - y) / (y1 - y0) * map.height;
    ctx.beginPath(); ctx.arc(px, py, D.font / 3, 0, 2 * Math.PI);
    ctx.fillStyle = colour(code, D.palette); ctx.fill();
    ctx.lineWidth = part ? 2 : 1; ctx.strokeStyle = part ? "#000" : "#fff"; ctx.stroke();
  }
}
function drawLoss(epoch) {
  const ctx = curve.getContext("2d"), H = D.history, w = curve.width, h = curve.height;
  ctx.clearRect(0, 0, w, h);
  const last = Math.max(1, H.epoch[H.epoch.length - 1] || 1);
  const top = Math.max(1e-9, ...H.train, ...H.test);
  ctx.strokeStyle = "#ccc"; ctx.lineWidth = 1; ctx.strokeRect(0.5, 0.5, w - 1, h - 1);
  ctx.fillStyle = "#333"; ctx.font = `${D.font - 1}px sans-serif`; ctx.textAlign = "left";
  ctx.fillText(`loss, epoch 0–${last} (top ${top.toPrecision(3)}): blue train, orange test`, 4, D.font);
  for (const [name, colour] of [["train", "#0877bd"], ["test", "#f59322"]]) {
    ctx.strokeStyle = colour; ctx.lineWidth = 2; ctx.beginPath();
    H.epoch.forEach((e, i) => {
      if (e > epoch) return;
      const px = 2 + e / last * (w - 4), py = h - 2 - H[name][i] / top * (h - D.font - 6);
      i ? ctx.lineTo(px, py) : ctx.moveTo(px, py);
    });
    ctx.stroke();
  }
}
let index = 0;
function show() {
  const frame = D.frames[index];
  drawNet(frame); drawMap(frame); drawLoss(frame.epoch);
  info.textContent = `epoch ${frame.epoch} · train loss ${frame.train} · test loss ${frame.test}`;
  map.dataset.epoch = frame.epoch;
  if (index + 1 < D.frames.length) { index++; setTimeout(show, D.interval); }
}
show();
"""


def playback_html(data: dict, *, height: int, font_px: int = 12) -> str:
    """The page's playground view: the network (each neuron's map, links by weight) beside the boundary, animated.

    ``font_px`` sizes its text and points (16 for a projector, as the lecture style's figures).
    """
    data = {**data, "font": int(font_px)}
    size = height - 30
    return (
        '<body style="margin:0"><div style="display:flex;gap:12px;font-family:sans-serif;align-items:flex-start">'
        f'<div><canvas id="pg-net" width="400" height="{size - 90}"></canvas>'
        f'<canvas id="pg-loss" width="400" height="84" style="display:block"></canvas></div>'
        f'<div><canvas id="pg-map" width="{size}" height="{size}" style="border:1px solid #ccc"></canvas>'
        f'<div id="pg-info" style="font-size:{int(font_px) + 1}px;color:#333"></div></div></div>'
        f'<script type="application/json" id="pg-data">{json.dumps(data, separators=(",", ":"))}</script>'
        f"<script>{_PLAYER_JS}</script>"
    )


def gradient_size_figure(sizes: dict[str, list[float]], *, height: int = 300) -> FinishedFigure:
    """The gradient's size ‖∂L/∂W‖ per layer (layer 1 next to the inputs), one bar series per activation, log scale.

    >>> fig = gradient_size_figure({"Sigmoid": [1e-3, 1e-2], "ReLU": [0.1, 0.2]})
    >>> [trace.name for trace in fig.data], list(fig.data[0].x)
    (['Sigmoid', 'ReLU'], ['layer 1', 'layer 2'])
    """
    colours = ["#ef553b", "#636efa", "#00cc96"]
    data = [dict(type="bar", name=name, x=[f"layer {i + 1}" for i in range(len(values))], y=values,
                 marker=dict(color=colours[k % 3]), hovertemplate="%{x}: %{y:.3g}<extra>" + name + "</extra>")
            for k, (name, values) in enumerate(sizes.items())]
    layout = dict(height=height, margin=dict(l=10, r=10, t=10, b=10), plot_bgcolor="white", barmode="group",
                  legend=dict(orientation="h", y=1.12), yaxis=dict(type="log", title="‖∂L/∂W‖", gridcolor="#eee"))
    return FinishedFigure({"data": data, "layout": layout})


def training_view_html(setup: Setup, state: TrainingState, snapshots: list[np.ndarray], *,
                       extent: tuple[float, float, float, float], seconds: float, height: int,
                       font_px: int = 12) -> str:
    """The player for a chunk: the weights after each of its epochs (or the current ones), spread over ``seconds``.

    >>> from annviz.optimizers import make_racer
    >>> from annviz.playground import make_points, make_setup, start_training
    >>> setup = make_setup(make_points("xor", points=20, noise=0, seed=0), train_percent=50, seed=0,
    ...                    features=("x1", "x2"), hidden=(2,), activation="tanh")
    >>> state = start_training(setup.network, make_racer("sgd"), 0, setup.train_xy, setup.test_xy)
    >>> "pg-map" in training_view_html(setup, state, [], extent=(-6, 6, -6, 6), seconds=2.0, height=300)
    True
    """
    view = grid_view(setup.network, setup.features, extent=extent)
    weights = snapshots or [state.parameters]
    epochs = list(range(state.epoch - len(weights) + 1, state.epoch + 1))
    losses = list(zip(state.train_losses, state.test_losses))[-len(weights):]
    frames = [frame_codes(setup.network, w, view, target_scale=setup.target_scale) for w in weights]
    data = playback_data(setup.network, setup.features, view, frames, weights, epochs, losses, setup.train, setup.test,
                         interval_ms=int(seconds * 1000 / len(weights)), target_scale=setup.target_scale,
                         history=(state.train_losses, state.test_losses))
    return playback_html(data, height=height, font_px=font_px)
