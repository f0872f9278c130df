"""What the MNIST page says about a finished training: the lecture's accuracy claims, and overfitting.

Each sentence is measured from the run's history; a claim is said to hold only when the numbers
bear it out.

>>> LECTURE_TEST_ACCURACY
0.975
"""

from __future__ import annotations

import math

from annviz.training import TrainingHistory

#: The lecture's §7 claims: "training accuracy around 90–92 %" and "test accuracy ≈ 0.975".
LECTURE_TRAIN_ACCURACY = (0.90, 0.92)
LECTURE_TEST_ACCURACY = 0.975


def lecture_accuracy_sentence(history: TrainingHistory, test_accuracy: float) -> str | None:
    """Training, validation and test accuracy of a run set against the lecture's two §7 claims.

    Training accuracy is Keras's mean over the last complete epoch (the weights move during it);
    a claim holds if the measured value rounds into the lecture's range (±0.5 point for the test).
    None if the run recorded no accuracy.

    >>> from annviz.training import EpochRow
    >>> rows = tuple(EpochRow(i, {"accuracy": a, "val_accuracy": a}, True, 1.0) for i, a in ((1, 0.91), (2, 0.99)))
    >>> print(lecture_accuracy_sentence(TrainingHistory(epochs=rows), 0.976))
    Measured: training 99.0% (mean over epoch 2), validation 99.0%, test 97.6%. The lecture's test accuracy of about 97.5%: holds. Its training accuracy of 90–92%: this run was there in epoch 1 and ended at 99.0%.
    """
    complete = [row for row in history.epochs if row.complete and "accuracy" in row.values]
    if not complete:
        return None
    last = complete[-1]
    train, validation = last.values["accuracy"], last.values.get("val_accuracy")
    measured = f"Measured: training {train:.1%} (mean over epoch {last.epoch})"
    if validation is not None:
        measured += f", validation {validation:.1%}"
    measured += f", test {test_accuracy:.1%}."
    low, high = LECTURE_TRAIN_ACCURACY

    def in_range(value: float) -> bool:
        return low - 0.005 <= value <= high + 0.005

    test_holds = abs(test_accuracy - LECTURE_TEST_ACCURACY) <= 0.005
    test_part = f"The lecture's test accuracy of about {LECTURE_TEST_ACCURACY:.1%}: {'holds' if test_holds else 'not this run'}."
    if in_range(train):
        return f"{measured} {test_part} Its training accuracy of 90–92%: holds."
    within = [row.epoch for row in complete if in_range(row.values["accuracy"])]
    where = f"this run was there in epoch {within[0]} and ended at" if within else "this run ended at"
    return f"{measured} {test_part} Its training accuracy of 90–92%: {where} {train:.1%}."


def overfitting_sentence(history: TrainingHistory, train_size: int) -> str | None:
    """What the curves say when they part: the validation loss's lowest epoch, how far it rose since,
    and the training loss that kept falling. None unless the validation loss ended at least 10 %
    above its lowest while the training loss went on down.

    >>> from annviz.training import EpochRow
    >>> rows = tuple(EpochRow(e, {"loss": 1 / e, "val_loss": v}, True, 1.0) for e, v in ((1, 0.9), (2, 0.5), (3, 0.7)))
    >>> print(overfitting_sentence(TrainingHistory(epochs=rows), 900))
    Overfitting: the validation loss was lowest after epoch 2 (0.500) and rose to 0.700 by epoch 3, while the training loss kept falling (0.500 → 0.333). Past epoch 2 the network fits its 900 training images better without getting better on images it has not seen.
    """
    rows = [row for row in history.epochs
            if row.complete and math.isfinite(row.values.get("val_loss", math.nan)) and math.isfinite(row.values.get("loss", math.nan))]
    if len(rows) < 3:
        return None
    best = min(rows, key=lambda row: row.values["val_loss"])
    last = rows[-1]
    if last is best or last.values["val_loss"] < 1.1 * best.values["val_loss"] or last.values["loss"] >= best.values["loss"]:
        return None
    gap = ""
    if "accuracy" in last.values and "val_accuracy" in last.values:
        gap = f" (accuracy now {last.values['accuracy']:.1%} on them, {last.values['val_accuracy']:.1%} on the validation images)"
    return (
        f"Overfitting: the validation loss was lowest after epoch {best.epoch} ({best.values['val_loss']:.3f}) and rose "
        f"to {last.values['val_loss']:.3f} by epoch {last.epoch}, while the training loss kept falling "
        f"({best.values['loss']:.3f} → {last.values['loss']:.3f}). Past epoch {best.epoch} the network fits its "
        f"{train_size:,} training images better{gap} without getting better on images it has not seen."
    )
