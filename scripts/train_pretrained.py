"""Train the models that ship with annviz and write annviz/models/*.keras and manifest.json.

    python scripts/train_pretrained.py            # all models in annviz.pretrained.PRETRAINED
    python scripts/train_pretrained.py mlp cnn    # only these
    python scripts/train_pretrained.py --numpy    # only re-export the saved models' NumPy weights

Each model is trained with fixed seeds on the full 60,000 training images
(validation_split=0.1, as in the lecture) and evaluated on the 10,000 test images.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annviz.numpy_mlp import dense_layers, save_dense_layers  # noqa: E402
from annviz.mnist import load_mnist  # noqa: E402
from annviz.pretrained import MANIFEST_PATH, MODEL_DIR, PRETRAINED, model_inputs  # noqa: E402
from annviz.serving.keras_models import load_pretrained, train_pretrained  # noqa: E402
from annviz.small_cnn import cnn_layers, save_cnn_layers  # noqa: E402


def save_numpy_weights(name: str, model) -> None:
    """The server runs the shipped models in NumPy, without TensorFlow: write their weights as .npz."""
    spec = PRETRAINED[name]
    if spec.input_kind == "flat":
        save_dense_layers(dense_layers(model), spec.weights_path)
    else:
        save_cnn_layers(cnn_layers(model), spec.weights_path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", default=list(PRETRAINED), metavar="NAME")
    parser.add_argument("--numpy", action="store_true", help="do not train: re-export the saved models' weights as .npz")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(PRETRAINED))
    if unknown:
        parser.error(f"unknown model(s) {unknown}; choose from {sorted(PRETRAINED)}")
    if args.numpy:
        for name in args.names:
            save_numpy_weights(name, load_pretrained(name))
            print(f"{name}: wrote {PRETRAINED[name].weights_path.name}")
        return 0
    (x_train, y_train), (x_test, y_test) = load_mnist()
    manifest = json.loads(MANIFEST_PATH.read_text()) if MANIFEST_PATH.is_file() else {}
    MODEL_DIR.mkdir(exist_ok=True)
    for name in args.names:
        spec = PRETRAINED[name]
        start = time.perf_counter()
        model = train_pretrained(name, x_train=x_train, y_train=y_train, verbose=2)
        seconds = time.perf_counter() - start
        loss, accuracy = model.evaluate(model_inputs(name, x_test), y_test, verbose=0)
        model.save(spec.path)
        save_numpy_weights(name, model)
        manifest[name] = {
            "title": spec.title,
            "test_accuracy": round(float(accuracy), 6),
            "test_loss": round(float(loss), 6),
            "params": int(model.count_params()),
            "epochs": spec.epochs,
            "batch_size": spec.batch_size,
            "seed": spec.seed,
            "train_seconds": round(seconds, 1),
        }
        print(f"{name}: test accuracy {accuracy:.4f}, {model.count_params():,} parameters, {seconds:.1f} s")
    MANIFEST_PATH.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
