"""What the playground draws: the network, its decision boundary and the loss curves as frames the browser plays,
and the gradient's size per layer.

The boundary and every neuron's map are small grids of one byte per cell (a colour code):
a chunk of 25 epochs is a few kB, and the browser animates its frames itself (:data:`VIEW_JS`,
the script of the page's two-way component), so the server computes a chunk once per two
seconds of play instead of drawing ten figures a second. Colours are TensorFlow Playground's:
orange for negative (class 0), blue for positive (class 1), white at 0; the loss curves are
dark and mid grey (:data:`TRAIN_LINE`, :data:`TEST_LINE`), never a class's colour.

>>> from annviz.playground import make_network, initial_parameters
>>> network = make_network(2, (3,), "tanh", "binary")
>>> view = grid_view(network, ("x1", "x2"), extent=6.0)
>>> codes = frame_codes(network, initial_parameters(network, 0), view)
>>> codes.boundary.shape, codes.boundary.dtype, codes.neurons.shape
((1600,), dtype('uint8'), (4, 144))
"""

from __future__ import annotations

import base64

from dataclasses import dataclass

import numpy as np

from annviz.figure_data import FinishedFigure
from annviz.activations import ACTIVATIONS
from annviz.playground import (
    FEATURES,
    MAX_HIDDEN_LAYERS,
    MAX_NEURONS,
    Network,
    PointSet,
    Setup,
    TrainingState,
    feature_matrix,
    forward,
    layer_views,
)

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
    return values / np.maximum(np.abs(values).max(axis=0), 1e-9)  # each neuron by its own largest output


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


def feature_tile_codes(extent: tuple[float, float, float, float]) -> np.ndarray:
    """Every feature's map (one row each, in :data:`FEATURES` order), for the tiles of features switched off too.

    >>> feature_tile_codes((-6.0, 6.0, -6.0, 6.0)).shape
    (7, 144)
    """
    inputs = feature_matrix(_grid_points(extent, NEURON_GRID), tuple(FEATURES))
    return _diverging_codes(inputs / np.maximum(np.abs(inputs).max(axis=0), 1e-9)).T.copy()


def playback_data(network: Network, features: tuple[str, ...], view: GridView, frames: list[FrameCodes],
                  weights: list[np.ndarray], epochs: list[int], losses: list[tuple[float, float]],
                  train: PointSet, test: PointSet, *, interval_ms: int, target_scale: float,
                  history: tuple[tuple[float, ...], tuple[float, ...]] = ((), ())) -> dict:
    """Everything the browser needs to play a chunk: palettes, points, the network's shape and each frame.

    ``history`` is the train and test loss of every epoch so far (epoch 0 first): the browser draws
    them up to the epoch of the frame it shows (at most :data:`MAX_HISTORY` points, thinned evenly).
    ``features`` lists every feature tile (switched on or not) with its map: a click on one switches it.

    >>> from annviz.playground import make_network, initial_parameters, make_points
    >>> network = make_network(2, (2,), "relu", "binary")
    >>> view = grid_view(network, ("x1", "x2"), extent=6.0)
    >>> w = initial_parameters(network, 0)
    >>> pts = make_points("xor", points=10, noise=0, seed=0)
    >>> data = playback_data(network, ("x1", "x2"), view, [frame_codes(network, w, view)], [w], [0], [(0.7, 0.7)],
    ...                      pts, pts, interval_ms=100, target_scale=1.0)
    >>> data["sizes"], len(data["frames"]), [f["on"] for f in data["features"]][:3]
    ([2, 2, 1], 1, [True, True, False])
    """
    palette = class_palette() if network.task == "multiclass" else diverging_palette()
    x_low, x_high, y_low, y_high = view.extent
    tiles = feature_tile_codes(view.extent)
    return {
        "palette": palette.ravel().tolist(),
        "neuronPalette": diverging_palette().ravel().tolist(),
        "grid": GRID, "neuronGrid": NEURON_GRID, "extent": [x_low, x_high, y_low, y_high],
        "task": network.task, "sizes": list(network.sizes), "params": network.count_params(),
        "activation": ACTIVATIONS[network.activation].label,
        "maxLayers": MAX_HIDDEN_LAYERS, "maxNeurons": MAX_NEURONS,
        "features": [{"key": key, "label": feature.label, "on": key in features, "map": _b64(tiles[index])}
                     for index, (key, feature) in enumerate(FEATURES.items())],
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


#: The view's skeleton: the network (feature tiles, neurons, links; + and − for layers and neurons)
#: with the loss curves under it, beside the big output map with the epoch and the two losses on top.
VIEW_HTML = """
<div class="pg">
  <div class="net-panel">
    <div class="net-head">
      <span class="ctl"><button class="add-layer" title="Add a hidden layer">+</button><button class="remove-layer"
        title="Remove the last hidden layer">−</button></span><span class="layers"></span><span class="params"></span>
    </div>
    <div class="net"><canvas class="links"></canvas><div class="nodes"></div></div>
    <canvas class="loss" role="img"></canvas>
  </div>
  <div class="out-panel">
    <div class="status"><span class="epoch-box">Epoch <b class="epoch">0</b></span><span class="losses"><span
      class="test-loss"></span><span class="train-loss"></span></span></div>
    <div class="map-box"><canvas class="map"></canvas><div class="map-note"></div></div>
    <div class="toggles"><label><input type="checkbox" class="show-test"> Show test data</label><label><input
      type="checkbox" class="discretize"> Discretize output</label></div>
  </div>
</div>
"""

#: Dark grey and mid grey, solid and dashed: the loss curves never wear a class's colour.
TRAIN_LINE, TEST_LINE = "#222222", "#8a8a8a"

VIEW_CSS = """
.pg { display: flex; flex-wrap: wrap; gap: 16px; font-family: "Source Sans", sans-serif; color: #222;
      font-size: var(--pg-font); line-height: 1.25; }
.net-panel { flex: 1 1 360px; min-width: 0; }
.out-panel { flex: 0 0 auto; }
.net-head, .status { display: flex; align-items: center; gap: 10px; white-space: nowrap; min-height: 2em; }
.net-head .params { margin-left: auto; color: #555; }
button { font: inherit; min-width: 1.9em; height: 1.7em; padding: 0 0.3em; border: 1px solid #bbb; border-radius: 6px;
         background: #fff; cursor: pointer; line-height: 1; }
button:hover:not(:disabled) { border-color: #333; }
button:disabled { color: #bbb; cursor: default; }
.net { position: relative; }
.net canvas.links { position: absolute; left: 0; top: 0; pointer-events: none; }
.nodes { position: absolute; left: 0; top: 0; right: 0; bottom: 0; }
.tile { position: absolute; padding: 0; border: 1px solid #555; border-radius: 3px; background: #fff; min-width: 0;
        height: auto; overflow: hidden; }
.tile canvas { display: block; width: 100%; height: 100%; image-rendering: auto; }
.tile.off { opacity: 0.3; border-style: dashed; }
.tile.shown { outline: 3px solid #222; }
.flabel { position: absolute; text-align: right; white-space: nowrap; pointer-events: none; }
.lhead { position: absolute; display: flex; flex-direction: column; align-items: center; gap: 1px; white-space: nowrap;
         font-size: 0.8em; color: #444; }
.lhead .ctl button { min-width: 1.6em; height: 1.4em; }
.status { justify-content: space-between; }
.epoch-box { font-size: 1.15em; }
.epoch { font-variant-numeric: tabular-nums; font-size: 1.35em; }
.losses { display: flex; flex-direction: column; align-items: flex-end; font-variant-numeric: tabular-nums; }
.map-box { position: relative; }
.map { display: block; border: 1px solid #bbb; }
.map-note { position: absolute; left: 4px; top: 4px; right: 4px; background: rgba(255,255,255,0.88); padding: 2px 6px;
            border-radius: 4px; display: none; white-space: normal; }
.toggles { display: flex; gap: 16px; flex-wrap: wrap; margin-top: 4px; }
.toggles label { white-space: nowrap; cursor: pointer; }
.toggles input { width: 1em; height: 1em; }
"""

#: The browser's half: build the diagram for the network it is given, play the chunk's frames, and send clicks on a
#: feature tile or a + / − back to the page (``setTriggerValue``); hover and the two toggles stay in the browser.
VIEW_JS = r"""
const STATE = new WeakMap();
const bytes = s => Uint8Array.from(atob(s), c => c.charCodeAt(0));
const floats = s => new Float32Array(bytes(s).buffer);
const TRAIN_LINE = "__TRAIN__", TEST_LINE = "__TEST__";

function stored(name, fallback) {
  try { const v = window.sessionStorage.getItem("pg-" + name); return v === null ? fallback : v === "1"; }
  catch (e) { return fallback; }
}
function store(name, value) { try { window.sessionStorage.setItem("pg-" + name, value ? "1" : "0"); } catch (e) {} }

function cells(codes, n, palette, discretize) {
  const c = document.createElement("canvas"); c.width = n; c.height = n;
  const ctx = c.getContext("2d"), img = ctx.createImageData(n, n);
  for (let i = 0; i < n * n; i++) {
    const k = discretize(codes[i]) * 3;
    img.data[i * 4] = palette[k]; img.data[i * 4 + 1] = palette[k + 1]; img.data[i * 4 + 2] = palette[k + 2];
    img.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0); return c;
}
const same = code => code;
function paint(canvas, codes, n, palette, discretize) {
  const ctx = canvas.getContext("2d"); ctx.imageSmoothingEnabled = true;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(cells(codes, n, palette, discretize || same), 0, 0, canvas.width, canvas.height);
}
function rgb(code, palette) { const k = code * 3; return `rgb(${palette[k]},${palette[k + 1]},${palette[k + 2]})`; }
function tick(v) { return v >= 100 ? v.toFixed(0) : v >= 1 ? v.toPrecision(3) : v.toPrecision(2); }

function layout(S) {
  const D = S.D, q = s => S.root.querySelector(s), font = D.font;
  const map = q(".map"), side = D.mapSize;
  map.width = map.height = side;
  const panel = q(".net-panel"), width = Math.max(260, panel.clientWidth);
  const hidden = D.sizes.slice(1, -1), columns = hidden.length + 2;
  const labelW = 3.2 * font, headH = 2.7 * font, height = D.netHeight;
  const rows = Math.max(D.features.length, ...D.sizes.slice(1));
  const gap = Math.max(4, font / 3);
  const box = Math.max(18, Math.min(3.4 * font, Math.floor((height - headH - (rows - 1) * gap) / rows)));
  const x = i => labelW + i * (width - labelW - box - 4) / (columns - 1);
  const y = (count, j) => headH + (height - headH - count * box - (count - 1) * gap) / 2 + j * (box + gap);
  const net = q(".net"), nodes = q(".nodes"), links = q(".links");
  net.style.height = height + "px"; links.width = width; links.height = height;
  nodes.replaceChildren();
  const active = D.features.map((f, k) => f.on ? k : -1).filter(k => k >= 0);
  S.places = [D.features.map((f, k) => [x(0), y(D.features.length, k)])];
  S.tiles = [];
  D.features.forEach((f, k) => {
    const tile = document.createElement("button"), canvas = document.createElement("canvas");
    canvas.width = canvas.height = D.neuronGrid; tile.appendChild(canvas);
    tile.className = "tile feature" + (f.on ? "" : " off");
    tile.title = `${f.label}: click to switch ${f.on ? "off" : "on"}`;
    tile.setAttribute("aria-pressed", f.on ? "true" : "false");
    Object.assign(tile.style, {left: x(0) + "px", top: y(D.features.length, k) + "px", width: box + "px", height: box + "px"});
    paint(canvas, bytes(f.map), D.neuronGrid, D.neuronPalette);
    tile.onclick = () => S.send({what: "feature", name: f.key});
    tile.onmouseenter = () => { S.hover = {feature: k}; S.redraw(); };
    tile.onmouseleave = () => { S.hover = null; S.redraw(); };
    const label = document.createElement("div");
    label.className = "flabel"; label.textContent = f.label;
    Object.assign(label.style, {left: "0px", width: (labelW - 6) + "px", top: (y(D.features.length, k) + box / 2 - font * 0.65) + "px"});
    nodes.append(label, tile);
  });
  let m = 0;
  for (let l = 1; l < D.sizes.length; l++) {
    const count = D.sizes[l], spots = [];
    for (let j = 0; j < count; j++, m++) {
      const tile = document.createElement("button"), canvas = document.createElement("canvas"), index = m;
      canvas.width = canvas.height = D.neuronGrid; tile.appendChild(canvas);
      const name = l === D.sizes.length - 1 ? (count === 1 ? "the output" : `output ${j + 1}`) : `neuron ${l}.${j + 1}`;
      tile.className = "tile neuron"; tile.dataset.neuron = index;
      tile.title = `${name}: point at it (or tap) to see its map large`;
      Object.assign(tile.style, {left: x(l) + "px", top: y(count, j) + "px", width: box + "px", height: box + "px"});
      tile.onmouseenter = () => { S.hover = {neuron: index, name}; S.redraw(); };
      tile.onmouseleave = () => { S.hover = null; S.redraw(); };
      tile.onclick = () => { S.pinned = S.pinned && S.pinned.neuron === index ? null : {neuron: index, name}; S.redraw(); };
      nodes.appendChild(tile); S.tiles.push(canvas); spots.push([x(l), y(count, j)]);
    }
    S.places.push(spots);
    if (l < D.sizes.length - 1) {
      const head = document.createElement("div"), ctl = document.createElement("span");
      head.className = "lhead"; ctl.className = "ctl";
      const plus = document.createElement("button"), minus = document.createElement("button");
      plus.textContent = "+"; minus.textContent = "−";
      plus.title = `Add a neuron to hidden layer ${l}`; minus.title = `Remove a neuron from hidden layer ${l}`;
      plus.className = `add-neuron-${l}`; minus.className = `remove-neuron-${l}`;
      plus.disabled = count >= D.maxNeurons; minus.disabled = count <= 1;
      plus.onclick = () => S.send({what: "neurons", layer: l, delta: 1});
      minus.onclick = () => S.send({what: "neurons", layer: l, delta: -1});
      ctl.append(plus, minus);
      const words = document.createElement("span");
      words.textContent = `${count} neuron${count === 1 ? "" : "s"}`;
      head.append(ctl, words);
      Object.assign(head.style, {left: (x(l) + box / 2 - 3 * font) + "px", width: 6 * font + "px", top: "0px"});
      nodes.appendChild(head);
    }
  }
  S.active = active; S.box = box;
  q(".layers").textContent = `${hidden.length} hidden layer${hidden.length === 1 ? "" : "s"} · ${D.activation}`;
  q(".params").textContent = `${D.params} parameters`;
  q(".add-layer").disabled = hidden.length >= D.maxLayers;
  q(".remove-layer").disabled = hidden.length === 0;
  const loss = q(".loss"); loss.width = width; loss.height = Math.round(5.5 * font);
}

function drawLinks(S, frame) {
  const D = S.D, canvas = S.root.querySelector(".links"), ctx = canvas.getContext("2d"), box = S.box;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const w = floats(frame.weights);
  let offset = 0;
  for (let l = 0; l + 1 < D.sizes.length; l++) {
    const nIn = D.sizes[l], nOut = D.sizes[l + 1];
    for (let i = 0; i < nIn; i++) for (let j = 0; j < nOut; j++) {
      const v = w[offset + i * nOut + j], from = l === 0 ? S.places[0][S.active[i]] : S.places[l][i], to = S.places[l + 1][j];
      ctx.strokeStyle = v >= 0 ? "rgba(8,119,189,0.75)" : "rgba(245,147,34,0.75)";
      ctx.lineWidth = Math.min(0.6 + Math.abs(v) * 2, 8);
      ctx.beginPath(); ctx.moveTo(from[0] + box, from[1] + box / 2); ctx.lineTo(to[0], to[1] + box / 2); ctx.stroke();
    }
    offset += nIn * nOut;
  }
}

function drawLoss(S, epoch) {
  const D = S.D, H = D.history, canvas = S.root.querySelector(".loss"), ctx = canvas.getContext("2d");
  const font = D.font, w = canvas.width, h = canvas.height;
  ctx.clearRect(0, 0, w, h);
  const shown = H.epoch.map((e, i) => i).filter(i => H.epoch[i] <= epoch);
  const last = Math.max(10, epoch), top = Math.max(1e-9, ...shown.map(i => Math.max(H.train[i], H.test[i])));
  const left = 3.6 * font, right = w - 6 * font, up = font * 0.7, down = h - 1.6 * font;
  const px = e => left + e / last * (right - left), py = v => down - v / top * (down - up);
  ctx.strokeStyle = "#999"; ctx.lineWidth = 1;
  ctx.beginPath(); ctx.moveTo(left, up); ctx.lineTo(left, down); ctx.lineTo(right, down); ctx.stroke();
  ctx.fillStyle = "#444"; ctx.font = `${Math.round(font * 0.85)}px sans-serif`;
  ctx.textAlign = "right"; ctx.textBaseline = "middle";
  for (const v of [0, top / 2, top]) { ctx.fillText(tick(v), left - 4, py(v)); }
  ctx.textBaseline = "top";
  ctx.textAlign = "left"; ctx.fillText("0", left, down + 3);
  ctx.textAlign = "right"; ctx.fillText(String(last), right, down + 3);
  ctx.textAlign = "center"; ctx.fillText("epoch", (left + right) / 2, down + 3);
  ctx.save(); ctx.translate(font * 0.7, (up + down) / 2); ctx.rotate(-Math.PI / 2); ctx.textAlign = "center";
  ctx.fillText("loss", 0, 0); ctx.restore();
  // Each curve named at its end; the two names kept a line apart and inside the plot.
  const end = shown.length ? shown[shown.length - 1] : -1, named = {};
  if (end >= 0) {
    const a = py(H.train[end]), b = py(H.test[end]), gap = font * 1.05;
    let low = Math.min(down - font * 0.5, Math.max(a, b)), high = Math.min(a, b);
    high = Math.max(up + font * 0.5, Math.min(high, low - gap)); low = Math.max(low, high + gap);
    named[a >= b ? "train" : "test"] = low; named[a >= b ? "test" : "train"] = high;
  }
  for (const [name, colour, dash, label] of [["train", TRAIN_LINE, [], "training"], ["test", TEST_LINE, [6, 4], "test"]]) {
    ctx.strokeStyle = colour; ctx.fillStyle = colour; ctx.lineWidth = 2.5; ctx.setLineDash(dash); ctx.beginPath();
    shown.forEach((i, n) => { n ? ctx.lineTo(px(H.epoch[i]), py(H[name][i])) : ctx.moveTo(px(H.epoch[i]), py(H[name][i])); });
    ctx.stroke(); ctx.setLineDash([]);
    if (end >= 0) {
      ctx.beginPath(); ctx.arc(px(H.epoch[end]), py(H[name][end]), 3, 0, 2 * Math.PI); ctx.fill();
      ctx.font = `bold ${Math.round(font * 0.85)}px sans-serif`; ctx.textAlign = "left"; ctx.textBaseline = "middle";
      ctx.fillText(label, right + 6, named[name]);
    }
  }
}

function drawMap(S, frame) {
  const D = S.D, map = S.root.querySelector(".map"), ctx = map.getContext("2d"), note = S.root.querySelector(".map-note");
  const look = S.hover || S.pinned, nn = D.neuronGrid * D.neuronGrid;
  const discrete = !S.discretize ? same : D.task === "multiclass" ? c => c - (c % 64) + 63 : c => (c < 128 ? 0 : 255);
  if (look && look.neuron !== undefined && look.neuron < D.neuronCount) {
    paint(map, bytes(frame.neurons).subarray(look.neuron * nn, (look.neuron + 1) * nn), D.neuronGrid, D.neuronPalette);
    note.textContent = `Showing ${look.name}'s output over the plane (blue positive, orange negative, white 0)` +
      (S.pinned && !S.hover ? ": tap it again for the network's output." : ".");
    note.style.display = "block";
  } else if (look && look.feature !== undefined) {
    paint(map, bytes(D.features[look.feature].map), D.neuronGrid, D.neuronPalette);
    note.textContent = `Showing the feature ${D.features[look.feature].label} over the plane.`;
    note.style.display = "block";
  } else {
    paint(map, bytes(frame.boundary), D.grid, D.palette, discrete);
    note.style.display = "none";
  }
  const [x0, x1, y0, y1] = D.extent;
  for (const [x, y, code, part] of D.points) {
    if (part && !S.showTest) continue;
    const px = (x - x0) / (x1 - x0) * map.width, py = (y1 - y) / (y1 - y0) * map.height;
    ctx.beginPath(); ctx.arc(px, py, Math.max(3, D.font / 3.5), 0, 2 * Math.PI);
    ctx.fillStyle = rgb(code, D.palette); ctx.fill();
    ctx.lineWidth = part ? 2 : 1.2; ctx.strokeStyle = part ? "#000" : "#fff"; ctx.stroke();
  }
}

function show(S) {
  const D = S.D, frame = D.frames[S.index], q = s => S.root.querySelector(s), nn = D.neuronGrid * D.neuronGrid;
  const neurons = bytes(frame.neurons);
  S.tiles.forEach((canvas, m) => paint(canvas, neurons.subarray(m * nn, (m + 1) * nn), D.neuronGrid, D.neuronPalette));
  S.root.querySelectorAll(".tile").forEach(t => t.classList.remove("shown"));
  drawLinks(S, frame); drawMap(S, frame); drawLoss(S, frame.epoch);
  q(".epoch").textContent = frame.epoch.toLocaleString("en");
  q(".test-loss").textContent = `Test loss ${frame.test.toFixed(3)}`;
  q(".train-loss").textContent = `Training loss ${frame.train.toFixed(3)}`;
  q(".map").dataset.epoch = frame.epoch;
}

export default function (component) {
  const { data: D, parentElement: root, setTriggerValue } = component;
  if (!D || !D.frames) return;
  let S = STATE.get(root);
  if (!S) {
    S = {root, hover: null, pinned: null, showTest: stored("show-test", true), discretize: stored("discretize", false)};
    STATE.set(root, S);
    const q = s => root.querySelector(s);
    q(".show-test").checked = S.showTest; q(".discretize").checked = S.discretize;
    q(".show-test").onchange = e => { S.showTest = e.target.checked; store("show-test", S.showTest); S.redraw(); };
    q(".discretize").onchange = e => { S.discretize = e.target.checked; store("discretize", S.discretize); S.redraw(); };
    q(".add-layer").onclick = () => S.send({what: "layers", delta: 1});
    q(".remove-layer").onclick = () => S.send({what: "layers", delta: -1});
    S.redraw = () => { if (S.D) drawMap(S, S.D.frames[S.index]); };
  }
  clearTimeout(S.timer);
  S.send = payload => setTriggerValue("edit", payload);
  S.root.querySelector(".pg").style.setProperty("--pg-font", D.font + "px");
  const structure = JSON.stringify([D.sizes, D.features.map(f => f.on), D.font, D.netHeight, D.mapSize, D.activation, D.params]);
  S.D = D;
  if (S.pinned && S.pinned.neuron >= D.neuronCount) S.pinned = null;
  if (structure !== S.structure) { S.structure = structure; S.pinned = null; layout(S); }
  S.index = 0;
  const step = () => {
    show(S);
    if (S.index + 1 < D.frames.length) { S.index++; S.timer = setTimeout(step, D.interval); }
  };
  step();
}
""".replace("__TRAIN__", TRAIN_LINE).replace("__TEST__", TEST_LINE)


def training_view_data(setup: Setup, state: TrainingState, snapshots: list[np.ndarray], *,
                       extent: tuple[float, float, float, float], seconds: float, font_px: int = 13,
                       net_height: int = 300, map_size: int = 330) -> dict:
    """What the view plays for a chunk: the weights after each of its epochs (or the current ones), over ``seconds``.

    >>> from annviz.optimizers import make_racer
    >>> from annviz.playground import make_points, make_setup, start_training
    >>> setup = make_setup(make_points("xor", points=20, noise=0, seed=0), train_percent=50, seed=0,
    ...                    features=("x1", "x2"), hidden=(2,), activation="tanh")
    >>> state = start_training(setup.network, make_racer("sgd"), 0, setup.train_xy, setup.test_xy)
    >>> data = training_view_data(setup, state, [], extent=(-6, 6, -6, 6), seconds=2.0)
    >>> [frame["epoch"] for frame in data["frames"]], data["neuronCount"], data["params"]
    ([0], 3, 9)
    """
    view = grid_view(setup.network, setup.features, extent=extent)
    weights = snapshots or [state.parameters]
    epochs = list(range(state.epoch - len(weights) + 1, state.epoch + 1))
    losses = list(zip(state.train_losses, state.test_losses))[-len(weights):]
    frames = [frame_codes(setup.network, w, view, target_scale=setup.target_scale) for w in weights]
    data = playback_data(setup.network, setup.features, view, frames, weights, epochs, losses, setup.train, setup.test,
                         interval_ms=int(seconds * 1000 / len(weights)), target_scale=setup.target_scale,
                         history=(state.train_losses, state.test_losses))
    return {**data, "font": int(font_px), "netHeight": int(net_height), "mapSize": int(map_size),
            "neuronCount": sum(setup.network.sizes[1:])}


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


