"""Backpropagation step by step: one point, its loss, the forward values, δ for every neuron, ∂L/∂w for every
edge, one SGD step and the new loss, all from the playground's engine.

The chain rule, layer by layer from the output back:

    δ_out = ∂L/∂z_out,   δ_j = (Σ_k w_jk δ_k) · σ'(z_j),   ∂L/∂w_ij = a_i · δ_j,   ∂L/∂b_j = δ_j
    w ← w − η · ∂L/∂w

The page-2 neuron (x = (2, −1, 3), w = (0.5, −0.6, 0.8), b = 0.2, so z = 4.2) learns towards a
target t with the squared error L = (z − t)²:

>>> steps = backprop_steps("neuron", target=3.0, learning_rate=0.01)
>>> round(steps.loss_before, 4), [round(row["δ = ∂L/∂z"], 4) for row in steps.neurons]
(1.44, [2.4])
>>> [round(row["∂L/∂w"], 4) for row in steps.edges]
[4.8, -2.4, 7.2, 2.4]
>>> round(steps.loss_after, 4)  # z = 4.2 − 0.01·(4.8·2 + 2.4·1 + 7.2·3 + 2.4) = 3.84
0.7056
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from annviz.errors import InputError, echo
from annviz.optimizers import make_racer
from annviz.playground import Network, backward, evaluate, layer_views, make_network


@dataclass(frozen=True)
class BackpropExample:
    """A tiny network with its weights written out and one input point."""

    label: str
    network: Network
    x: tuple[float, ...]
    parameters: tuple[float, ...]
    default_target: float
    targets: tuple[float, ...] | None
    #: A step size at which one SGD step lowers the loss (the neuron's inputs are large: 0.1 overshoots).
    learning_rate: float


#: The two worked examples of the page: the lecture's neuron and a 2-2-1 network.
BACKPROP_EXAMPLES: dict[str, BackpropExample] = {
    "neuron": BackpropExample(
        "The page-2 neuron (z = 4.2), squared error",
        make_network(3, (), "linear", "regression"),
        (2.0, -1.0, 3.0), (0.5, -0.6, 0.8, 0.2), 3.0, None, 0.01,
    ),
    "net_221": BackpropExample(
        "A 2-2-1 network: sigmoid hidden layer, sigmoid output, binary cross-entropy",
        make_network(2, (2,), "sigmoid", "binary"),
        (0.05, 0.10), (0.15, 0.25, 0.20, 0.30, 0.35, 0.35, 0.40, 0.45, 0.60), 1.0, (0.0, 1.0), 0.5,
    ),
}


@dataclass(frozen=True)
class BackpropSteps:
    """The numbers of one backpropagation step, as rows for the page's tables."""

    neurons: list[dict[str, object]]
    edges: list[dict[str, object]]
    loss_before: float
    loss_after: float
    gradient: np.ndarray
    new_parameters: np.ndarray


def _name(layer: int, index: int, network: Network) -> str:
    if layer == 0:
        return f"x{index + 1}"
    if layer == len(network.sizes) - 1:
        return "output" if network.sizes[-1] == 1 else f"output {index + 1}"
    return f"h{layer}.{index + 1}"


def backprop_steps(example: str, *, target: float, learning_rate: float) -> BackpropSteps:
    """Forward, backward and one SGD step (``keras.optimizers.SGD(learning_rate)``) on the example's point."""
    if example not in BACKPROP_EXAMPLES:
        raise InputError(f"There is no example {echo(example)}: choose one of {', '.join(BACKPROP_EXAMPLES)}.")
    spec = BACKPROP_EXAMPLES[example]
    if spec.targets is not None and target not in spec.targets:
        raise InputError(f"The target of a binary classification is 0 or 1, not {target:g}.")
    if not (np.isfinite(target) and abs(target) <= 1e6):
        raise InputError(f"The target must be a finite number up to ±1,000,000, not {target}.")
    racer = make_racer("sgd", learning_rate=learning_rate)
    network = spec.network
    flat = np.array(spec.parameters)
    x = np.array([spec.x])
    y = np.array([int(target)]) if network.task == "binary" else np.array([float(target)])
    result = backward(network, flat, x, y)
    new, _ = racer.spec.update(flat, result.gradient, (), 1, racer.hyperparameters)
    neurons = []
    for layer, ((z, a), delta) in enumerate(zip(result.layers, result.deltas), start=1):
        for j in range(z.shape[1]):
            neurons.append({"neuron": _name(layer, j, network), "z": float(z[0, j]), "a = σ(z)": float(a[0, j]),
                            "δ = ∂L/∂z": float(delta[0, j])})
    edges = []
    for layer, ((W, b), (gW, gb), (nW, nb)) in enumerate(
            zip(layer_views(network, flat), layer_views(network, result.gradient), layer_views(network, new))):
        for j in range(W.shape[1]):
            for i in range(W.shape[0]):
                edges.append({"edge": f"{_name(layer, i, network)} → {_name(layer + 1, j, network)}",
                              "w": float(W[i, j]), "∂L/∂w": float(gW[i, j]), "new w": float(nW[i, j])})
            edges.append({"edge": f"bias → {_name(layer + 1, j, network)}", "w": float(b[j]), "∂L/∂w": float(gb[j]),
                          "new w": float(nb[j])})
    with np.errstate(all="ignore"):
        after = evaluate(network, new, x, y)
    if not np.isfinite(after):
        raise InputError(f"With η = {learning_rate:g} the step jumps so far that the loss is no longer a number: use a smaller η.")
    return BackpropSteps(neurons, edges, result.loss, after, result.gradient, new)
