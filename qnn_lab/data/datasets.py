"""Small classification data sets (2-D toy sets, 8x8 digits, teacher perceptron) with train/test splits."""
from __future__ import annotations

import functools
import numbers
import warnings
from dataclasses import dataclass

import numpy as np

from ..exceptions import (
    QnnLabError,
    check_choice,
    check_float,
    check_int,
    check_random_state,
    warn_unknown_kwargs,
)

__all__ = ["DATASETS", "MAX_CLASSES", "MAX_ROWS", "DataError", "Dataset", "encode_labels", "load_dataset"]

DATASETS = ("xor", "circles", "gauss", "spiral", "moons", "digits", "teacher", "csv")

#: Largest number of samples and of classes of one's own data (arrays or a CSV file): the lab stays responsive.
MAX_ROWS = 10_000
MAX_CLASSES = 20

_TOY = ("xor", "circles", "gauss", "spiral", "moons")
_DEFAULT_N_SAMPLES = 400
_MIN_SAMPLES = 4
_DIGIT_ENCODINGS = ("scaled", "binary")
_OPTIONS = {name: () for name in _TOY}
_OPTIONS["digits"] = ("encoding", "classes")
_OPTIONS["teacher"] = ("n_inputs", "alpha")
_OPTIONS["csv"] = ("path", "data")


class DataError(QnnLabError, ValueError):
    """One's own data cannot be used (the message names the row and column of a file)."""


@dataclass(frozen=True, eq=False)
class Dataset:
    """A train/test split of a classification task (labels 0..n_classes-1).

    ``classes`` names the classes of one's own data (label ``i`` is ``classes[i]``); empty for built-in sets.
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    spec: dict
    classes: tuple = ()

    @classmethod
    def from_arrays(cls, X, y, *, test_fraction=0.25, random_state=0, name="arrays"):
        """A Dataset from one's own features ``X`` (n_samples, n_features) and labels ``y``.

        Labels may be integers or strings; the sorted distinct values become classes 0..K-1
        (``classes`` keeps them). At most ``MAX_ROWS`` samples and 2..``MAX_CLASSES`` classes.

        Raises:
            DataError: wrong shapes, non-finite features, too many rows, one class or too many.
            TypeError, ValueError: ``test_fraction`` or ``random_state`` out of range.

        Examples:
            >>> ds = Dataset.from_arrays([[0, 0], [0, 1], [1, 0], [1, 1]] * 2, ["a", "b", "b", "a"] * 2)
            >>> ds.classes, ds.n_classes, len(ds.y_test)
            (('a', 'b'), 2, 2)
        """
        try:
            X = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise DataError(f"'X' should be a 2-D array of numbers: {exc}") from None
        if X.ndim != 2 or X.shape[1] < 1:
            raise DataError(f"'X' should be a 2-D array (n_samples, n_features): shape = {X.shape}")
        if not np.all(np.isfinite(X)):
            row, col = np.argwhere(~np.isfinite(X))[0]
            raise DataError(f"'X' should hold finite numbers: X[{row}, {col}] = {float(X[row, col])!r}")
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(X):
            raise DataError(f"'y' should be 1-D with one label per row of 'X' ({len(X)}): shape = {y.shape}")
        if len(X) > MAX_ROWS:
            raise DataError(f"'X' should have at most {MAX_ROWS} rows: {len(X)} rows")
        codes, classes = encode_labels(y.tolist(), "'y'")
        return cls._split(name, X, codes, classes, test_fraction, random_state, {})

    @classmethod
    def _split(cls, name, X, y, classes, test_fraction, random_state, spec):
        """Stratified split of checked arrays; ``spec`` gets the split's settings."""
        test_fraction = check_float("test_fraction", test_fraction, low=0.0, high=1.0, low_open=True,
                                    high_open=True)
        random_state = check_int("random_state", random_state, low=0)
        rng = np.random.default_rng(random_state)
        try:
            train, test = _stratified_split(y, test_fraction, rng, f"{len(y)} samples")
        except ValueError as exc:
            raise DataError(f"too few rows: {exc}") from None
        arrays = _frozen(X[train], y[train], X[test], y[test])
        spec = {"name": name, **spec, "test_fraction": test_fraction, "random_state": random_state}
        return cls(name, *arrays, n_classes=len(classes), spec=spec, classes=tuple(classes))

    @property
    def n_features(self) -> int:
        """Number of input features (columns of ``X_train``)."""
        return int(self.X_train.shape[1])

    def __eq__(self, other):
        if not isinstance(other, Dataset):
            return NotImplemented
        arrays = ("X_train", "y_train", "X_test", "y_test")
        return (self.name == other.name and self.n_classes == other.n_classes
                and self.spec == other.spec and self.classes == other.classes
                and all(getattr(self, a).dtype == getattr(other, a).dtype
                        and np.array_equal(getattr(self, a), getattr(other, a)) for a in arrays))

    __hash__ = None

    def __repr__(self):
        return (f"Dataset({self.name!r}, n_train={len(self.y_train)}, n_test={len(self.y_test)}, "
                f"n_features={self.n_features}, n_classes={self.n_classes})")


def load_dataset(name, *, n_samples=None, noise=0.05, test_fraction=0.25, random_state=0, **options) -> Dataset:
    """Build a named classification data set and split it into train and test parts.

    The 2-D toy sets (``xor``, ``circles``, ``gauss``, ``spiral``, ``moons``) have two
    balanced-ish classes and features scaled to about [-1, 1] before the noise is added.
    ``digits`` is scikit-learn's shipped 8x8 digits set (64 features in [-1, 1]).
    ``teacher`` labels random +-1 inputs with a random +-1 teacher perceptron:
    label 1 where ``X @ w_teacher >= 0`` (ties, possible for even ``n_inputs``, give 1).
    ``csv`` reads one's own data from the file ``path`` (see ``qnn_lab.data.csv``).

    Args:
        name: One of ``DATASETS``.
        n_samples: Total number of points before the split. ``None`` means the data set's
            default: 400 for the toy sets, all available samples for ``digits``. For
            ``digits`` an int draws that many samples at random (at most the number
            available). Ignored by ``teacher`` (its size is ``round(alpha * n_inputs)``).
            Must be >= 4.
        noise: Standard deviation of gaussian noise added to the toy sets' features
            (feature units), >= 0. Ignored by ``digits`` and ``teacher``.
        test_fraction: Fraction of the points put in the test part, in (0, 1). The
            split is stratified by class; both parts get at least one point.
        random_state: None, an int seed >= 0 or a numpy Generator. None and a Generator
            are turned into an int seed (drawn from them), which is stored in ``spec``.
        **options: Data-set options. ``digits``: ``encoding`` (``"scaled"``:
            ``pixel / 16 * 2 - 1``; ``"binary"``: +1 where pixel > 8 else -1) and
            ``classes`` (None or distinct digits 0..9; labels are remapped to
            ``0..len(classes)-1`` in the given order). ``teacher``: ``n_inputs``
            (default 64, >= 1) and ``alpha`` (``P / n_inputs``, default 2.0, > 0).
            ``csv``: ``path`` or ``data`` (the file's contents; ``n_samples`` and ``noise`` do not apply).
            Unknown options are ignored with a UserWarning.

    Returns:
        Dataset: float64 features, int64 labels; ``load_dataset(**ds.spec) == ds``.

    Raises:
        UnknownNameError: ``name`` is not one of ``DATASETS``.
        DataError: a ``csv`` file that cannot be used (the message names its row and column).
        TypeError, ValueError: A parameter has the wrong type or is out of range.

    Examples:
        >>> ds = load_dataset("circles", n_samples=100, random_state=1)
        >>> ds
        Dataset('circles', n_train=75, n_test=25, n_features=2, n_classes=2)
        >>> load_dataset(**ds.spec) == ds
        True
        >>> load_dataset("digits", classes=[3, 5], encoding="binary").n_classes
        2
    """
    name = check_choice("name", name, DATASETS)
    noise = check_float("noise", noise, low=0.0)
    test_fraction = check_float("test_fraction", test_fraction, low=0.0, high=1.0,
                                low_open=True, high_open=True)
    rng = check_random_state(random_state)
    if not isinstance(random_state, numbers.Integral):
        random_state = int(rng.integers(2**32))
        rng = np.random.default_rng(random_state)
    else:
        random_state = int(random_state)
    options = warn_unknown_kwargs(f"load_dataset({name!r})", options, _OPTIONS[name])
    spec = {"name": name, "test_fraction": test_fraction, "random_state": random_state}
    if name == "csv":
        from .csv import read_csv

        if ("path" in options) == ("data" in options):
            raise TypeError("load_dataset('csv') needs either 'path' (the CSV file to read) or 'data' (its bytes)")
        source = options["path"] if "path" in options else options["data"]
        if isinstance(source, str) and "data" in options:
            source = source.encode()
        return read_csv(source, test_fraction=test_fraction, random_state=random_state)

    if name in _TOY:
        n_samples = _DEFAULT_N_SAMPLES if n_samples is None else n_samples
        n_samples = check_int("n_samples", n_samples, low=_MIN_SAMPLES)
        X, y = _TOY_MAKERS[name](n_samples, rng)
        X = X + noise * rng.standard_normal(X.shape)
        n_classes = 2
        size = f"'n_samples' = {n_samples}"
        spec.update(n_samples=n_samples, noise=noise)
    elif name == "digits":
        X, y, n_classes, opts = _digits(n_samples, rng, **options)
        size = f"'n_samples' = {opts['n_samples']!r} ({len(y)} samples)"
        spec.update(opts)
    else:
        if n_samples is not None:
            warnings.warn(f"load_dataset('teacher') ignores 'n_samples' = {n_samples!r}: the size "
                          f"is round(alpha * n_inputs)", UserWarning, stacklevel=2)
        X, y, opts = _teacher(rng, **options)
        n_classes = 2
        size = (f"'alpha' = {opts['alpha']!r}, 'n_inputs' = {opts['n_inputs']} "
                f"(round(alpha * n_inputs) = {len(y)} samples)")
        spec.update(opts)

    train, test = _stratified_split(y, test_fraction, rng, size)
    return Dataset(name, *_frozen(X[train], y[train], X[test], y[test]), n_classes=n_classes, spec=spec)


def _frozen(*arrays):
    """Contiguous read-only copies."""
    out = [np.ascontiguousarray(a) for a in arrays]
    for arr in out:
        arr.setflags(write=False)
    return out


def encode_labels(labels, where):
    """Labels (ints or strings) as codes 0..K-1 in sorted order, and the K class names.

    All-integer labels keep integer names; otherwise every label is a string. ``where`` names
    the labels in errors (e.g. "column 3 (the label column)").
    """
    if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in labels):
        names = sorted({int(v) for v in labels})
        values = [int(v) for v in labels]
    else:
        values = [str(v) for v in labels]
        names = sorted(set(values))
    if len(names) < 2:
        found = f"only the class {names[0]!r}" if names else "no labels"
        raise DataError(f"{where} should hold at least 2 classes: {found}")
    if len(names) > MAX_CLASSES:
        raise DataError(f"{where} should hold at most {MAX_CLASSES} classes: {len(names)} distinct labels "
                        f"({', '.join(map(repr, names[:MAX_CLASSES + 1]))}, ...)")
    index = {n: i for i, n in enumerate(names)}
    return np.array([index[v] for v in values], dtype=np.int64), names


def _stratified_split(y, test_fraction, rng, size):
    """Random train/test indices with each class split in about ``test_fraction``."""
    n = len(y)
    n_test = int(round(test_fraction * n))
    if not 1 <= n_test <= n - 1:
        raise ValueError(f"the data set size and 'test_fraction' should leave at least one sample in each "
                         f"of train and test: {size}, 'test_fraction' = {test_fraction!r} gives "
                         f"{n_test} test and {n - n_test} train samples")
    counts = np.bincount(y)
    quota = test_fraction * counts
    base = np.floor(quota).astype(np.int64)
    # Hand the remaining test slots to the classes with the largest fractional parts (random ties).
    extra = n_test - int(base.sum())
    tie = rng.random(len(counts))
    order = np.lexsort((tie, -(quota - base)))
    base[order[:extra]] += 1
    perm = rng.permutation(n)
    labels = y[perm]
    by_class = np.argsort(labels, kind="stable")
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    rank = np.empty(n, dtype=np.int64)
    rank[by_class] = np.arange(n) - starts[labels[by_class]]
    is_test = rank < base[labels]
    return perm[~is_test], perm[is_test]


def _halves(n):
    """Labels with ``n // 2`` zeros then ones."""
    return np.repeat(np.array([0, 1], dtype=np.int64), [n // 2, n - n // 2])


def _xor(n, rng):
    """Uniform points in [-1, 1]^2 (kept 0.05 off the axes), label 1 where x0 * x1 > 0."""
    u = rng.uniform(-1.0, 1.0, size=(n, 2))
    X = np.sign(u) * (0.05 + 0.95 * np.abs(u))
    return X, (X[:, 0] * X[:, 1] > 0).astype(np.int64)


def _circles(n, rng):
    """Class 0: disc of radius 0.5; class 1: ring with radius in [0.7, 1]."""
    y = _halves(n)
    radius = np.where(y == 0, rng.uniform(0.0, 0.5, n), rng.uniform(0.7, 1.0, n))
    angle = rng.uniform(0.0, 2 * np.pi, n)
    return np.column_stack((radius * np.cos(angle), radius * np.sin(angle))), y


def _gauss(n, rng):
    """Two gaussian blobs (std 0.15) centred at (-0.5, -0.5) and (0.5, 0.5)."""
    y = _halves(n)
    centre = np.where(y[:, None] == 0, -0.5, 0.5)
    return centre + 0.15 * rng.standard_normal((n, 2)), y


def _spiral(n, rng):
    """Two interleaved spirals of 1.75 turns, radius growing from 0 to 1."""
    y = _halves(n)
    counts = np.bincount(y, minlength=2)
    index = np.arange(n) - np.where(y == 0, 0, counts[0])
    radius = index / counts[y]
    angle = 1.75 * 2 * np.pi * radius + np.pi * y
    return np.column_stack((radius * np.sin(angle), radius * np.cos(angle))), y


def _moons(n, rng):
    """scikit-learn's two moons rescaled to x0 in [-1, 1], x1 in [-0.5, 0.5]."""
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=(n // 2, n - n // 2), shuffle=False, noise=None)
    X = (X - np.array([0.5, 0.25])) / 1.5
    return X, y.astype(np.int64)


_TOY_MAKERS = {"xor": _xor, "circles": _circles, "gauss": _gauss, "spiral": _spiral, "moons": _moons}


@functools.lru_cache(maxsize=1)
def _digit_arrays():
    """scikit-learn's shipped digits (pixels 0..16, targets 0..9), cached read-only."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    pixels = np.asarray(bunch.data, dtype=np.float64)
    target = np.asarray(bunch.target, dtype=np.int64)
    pixels.setflags(write=False)
    target.setflags(write=False)
    return pixels, target


def _digits(n_samples, rng, encoding="scaled", classes=None):
    encoding = check_choice("encoding", encoding, _DIGIT_ENCODINGS, error=ValueError)
    pixels, target = _digit_arrays()
    if classes is None:
        classes_spec, keep, y = None, np.arange(len(target)), target
        n_classes = 10
    else:
        classes = _check_classes(classes)
        lookup = np.full(10, -1, dtype=np.int64)
        lookup[list(classes)] = np.arange(len(classes))
        y_all = lookup[target]
        keep = np.flatnonzero(y_all >= 0)
        y = y_all[keep]
        classes_spec, n_classes = classes, len(classes)
    available = len(keep)
    if n_samples is not None:
        n_samples = check_int("n_samples", n_samples, low=_MIN_SAMPLES, high=available)
        pick = np.sort(rng.choice(available, size=n_samples, replace=False))
        keep, y = keep[pick], y[pick]
    X = pixels[keep]
    X = X / 16.0 * 2.0 - 1.0 if encoding == "scaled" else np.where(X > 8, 1.0, -1.0)
    opts = {"n_samples": n_samples, "encoding": encoding, "classes": classes_spec}
    return X, np.asarray(y, dtype=np.int64), n_classes, opts


def _check_classes(classes):
    """Return ``classes`` as a tuple of >= 2 distinct digits 0..9."""
    allowed = "None or a sequence of at least two distinct digits 0..9"
    if isinstance(classes, (str, bytes)) or not hasattr(classes, "__iter__"):
        raise TypeError(f"'classes' should be {allowed}: value = {classes!r}")
    values = list(classes)
    for i, c in enumerate(values):
        if isinstance(c, bool) or not isinstance(c, numbers.Integral) or not 0 <= c <= 9:
            error = ValueError if isinstance(c, numbers.Integral) and not isinstance(c, bool) else TypeError
            raise error(f"'classes' should be {allowed}: value = {classes!r} (classes[{i}] = {c!r})")
    values = tuple(int(c) for c in values)
    if len(values) < 2 or len(set(values)) != len(values):
        raise ValueError(f"'classes' should be {allowed}: value = {classes!r}")
    return values


def _teacher(rng, n_inputs=64, alpha=2.0):
    n_inputs = check_int("n_inputs", n_inputs, low=1)
    alpha = check_float("alpha", alpha, low=0.0, low_open=True)
    n_patterns = int(round(alpha * n_inputs))
    X = rng.choice(np.array([-1.0, 1.0]), size=(n_patterns, n_inputs))
    w_teacher = rng.choice(np.array([-1.0, 1.0]), size=n_inputs)
    y = (X @ w_teacher >= 0).astype(np.int64)
    return X, y, {"n_inputs": n_inputs, "alpha": alpha}
