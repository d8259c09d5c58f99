"""Small classification data sets with train/test splits, and their registry.

Every data set is a ``DatasetSpec`` in ``DATASETS``: a name, a one-line doc, its Parameter
specs and a loader. ``load_dataset`` checks the parameters against the specs, draws the
data and splits it; ``register_dataset`` adds a data set (qnn_lab's own below, and
extensions), which then shows in the CLI, the lab and the studies.
"""
from __future__ import annotations

import functools
import numbers
from dataclasses import dataclass, field

import numpy as np

from ..exceptions import QnnLabError, check_float, check_int, check_random_state, warn_unknown_kwargs
from ..parameters import Parameter, Registry

__all__ = ["DATASETS", "FEATURES", "MAX_CLASSES", "MAX_ROWS", "DataError", "Dataset", "DatasetSpec", "dataset_spec",
           "encode_labels", "list_datasets", "load_dataset", "playground_features", "register_dataset"]

#: Largest number of samples and of classes of one's own data (arrays or a CSV file): the lab stays responsive.
MAX_ROWS = 10_000
MAX_CLASSES = 20

_MIN_SAMPLES = 4
#: Input features of the 2-D sets, as TensorFlow Playground offers them.
FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")
#: Playground draws its data in [-5, 5]; ours lies in about [-1, 1].
PLAYGROUND_SCALE = 5.0


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
        test_fraction = check_float("test_fraction", test_fraction, low=0.0, high=1.0, low_open=True,
                                    high_open=True)
        random_state = check_int("random_state", random_state, low=0)
        spec = {"name": name, "test_fraction": test_fraction, "random_state": random_state}
        return cls._split(name, X, codes, len(classes), classes, np.random.default_rng(random_state), spec,
                          f"{len(X)} samples")

    @classmethod
    def _split(cls, name, X, y, n_classes, classes, rng, spec, size):
        """Stratified split of checked arrays; ``size`` describes the data when a part would be empty.

        That is a DataError for one's own data (``classes`` names its classes), else a ValueError.
        """
        try:
            train, test = _stratified_split(y, spec["test_fraction"], rng, size)
        except ValueError as exc:
            if not classes:
                raise
            raise DataError(f"too few rows: {exc}") from None
        arrays = [np.ascontiguousarray(a) for a in (X[train], y[train], X[test], y[test])]
        for arr in arrays:
            arr.setflags(write=False)
        return cls(name, *arrays, n_classes=n_classes, spec=spec, classes=tuple(classes))

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


@dataclass(frozen=True)
class DatasetSpec:
    """A registered data set: its name, one-line doc, Parameter specs and loader.

    ``loader(rng, **params)`` gets a numpy Generator and every parameter, checked, and
    returns ``(X, y, n_classes)``: features (P, n_features), labels 0..n_classes-1 (P,).
    A loader of one's own data returns the class names too, ``(X, y, n_classes, classes)``
    (``Dataset.classes``; a split that leaves a part empty is then a DataError).
    """

    name: str
    doc: str
    parameters: tuple
    loader: object = field(repr=False)

    def defaults(self):
        return {p.name: p.default for p in self.parameters}

    def resolve(self, params):
        """Every parameter, checked (defaults filled in); unknown names warn (UserWarning) and are dropped."""
        params = warn_unknown_kwargs(f"load_dataset({self.name!r})", params, [p.name for p in self.parameters])
        return {p.name: p.validate(params.get(p.name, p.default)) for p in self.parameters}


#: The registered data sets (iterate it for their names).
DATASETS = Registry("dataset")


def register_dataset(spec):
    """Add a DatasetSpec to the registry (qnn_lab's own data sets and extensions); returns it."""
    return DATASETS.register(spec)


def list_datasets():
    """Names of the registered data sets."""
    return DATASETS.names()


def dataset_spec(name):
    """The DatasetSpec (doc and parameters) of data set ``name``."""
    return DATASETS.lookup(name, "name")


def load_dataset(name, *, test_fraction=0.25, random_state=0, **params) -> Dataset:
    """Build a registered classification data set and split it into train and test parts.

    The 2-D toy sets (``xor``, ``circles``, ``gauss``, ``spiral``, ``moons``) have two
    balanced-ish classes and features scaled to about [-1, 1] before the noise is added.
    ``digits`` is scikit-learn's shipped 8x8 digits set (64 features in [-1, 1]).
    ``teacher`` labels random +-1 inputs with a random +-1 teacher perceptron:
    label 1 where ``X @ w_teacher >= 0`` (ties, possible for even ``n_inputs``, give 1).
    ``csv`` is one's own data: the CSV file ``path`` or its contents ``data`` (see ``qnn_lab.data.csv``).

    Args:
        name: One of ``list_datasets()``.
        test_fraction: Fraction of the points put in the test part, in (0, 1). The
            split is stratified by class; both parts get at least one point.
        random_state: None, an int seed >= 0 or a numpy Generator. None and a Generator
            are turned into an int seed (drawn from them), which is stored in ``spec``.
        **params: The data set's parameters (``dataset_spec(name).parameters``). The toy
            sets: ``n_samples`` (points before the split, >= 4, default 400) and ``noise``
            (standard deviation of gaussian noise added to the features, >= 0, default 0.05)
            and ``features``, the input columns as TensorFlow Playground offers them (names
            from ``FEATURES``, comma-separated or a list; default ``"x1,x2"``; see
            ``playground_features``).
            ``digits``: ``n_samples`` (None: all 1797; an int draws that many at random),
            ``encoding`` (``"scaled"``: ``pixel / 16 * 2 - 1``; ``"binary"``: +1 where
            pixel > 8 else -1) and ``classes`` (None or distinct digits 0..9; labels are
            remapped to ``0..len(classes)-1`` in the given order). ``teacher``: ``n_inputs``
            (default 64, >= 1) and ``alpha`` (``P / n_inputs``, default 2.0, > 0); its size
            is ``round(alpha * n_inputs)``. Parameters the data set does not take are
            ignored with a UserWarning.

    Returns:
        Dataset: float64 features, int64 labels; ``load_dataset(**ds.spec) == ds``.

    Raises:
        UnknownNameError: ``name`` is not one of ``list_datasets()``.
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
    entry = dataset_spec(name)
    test_fraction = check_float("test_fraction", test_fraction, low=0.0, high=1.0,
                                low_open=True, high_open=True)
    rng = check_random_state(random_state)
    if not isinstance(random_state, numbers.Integral):
        random_state = int(rng.integers(2**32))
        rng = np.random.default_rng(random_state)
    else:
        random_state = int(random_state)
    params = entry.resolve(params)
    X, y, n_classes, *classes = entry.loader(rng, **params)
    size = ", ".join(f"{k!r} = {_short(v)}" for k, v in params.items()) + f" ({len(y)} samples)"
    spec = {"name": entry.name, "test_fraction": test_fraction, "random_state": random_state, **params}
    return Dataset._split(entry.name, X, y, n_classes, classes[0] if classes else (), rng, spec, size)


def _short(value, limit=60):
    """repr of a parameter's value for an error, cut to ``limit`` characters (a CSV file's contents)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


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


def playground_features(X, features):
    """The columns ``features`` (names from ``FEATURES``) of 2-D points X (P, 2).

    As TensorFlow Playground computes them on its data in [-5, 5] (u = 5 x), each divided
    by its largest value there, so every column stays in about [-1, 1]: x1, x1^2 = u1^2 / 25,
    x1*x2 = u1 u2 / 25 and sin(x1) = sin(u1) = sin(5 x1).

    Examples:
        >>> playground_features(np.array([[0.5, -1.0]]), "x1,x1*x2,x2^2").tolist()
        [[0.5, -0.5, 1.0]]
    """
    names = _check_features("features", features).split(",")
    x1, x2 = X[:, 0], X[:, 1]
    columns = {"x1": x1, "x2": x2, "x1^2": x1 ** 2, "x2^2": x2 ** 2, "x1*x2": x1 * x2,
               "sin(x1)": np.sin(PLAYGROUND_SCALE * x1), "sin(x2)": np.sin(PLAYGROUND_SCALE * x2)}
    return np.column_stack([columns[n] for n in names])


def _check_features(name, features):
    """``features`` (a comma-separated string or a sequence of names) as "a,b,..." of distinct FEATURES."""
    allowed = f"a non-empty list (or comma-separated string) of distinct names from {', '.join(FEATURES)}"
    names = features.split(",") if isinstance(features, str) else features
    if not hasattr(names, "__iter__"):
        raise TypeError(f"{name!r} should be {allowed}: value = {features!r}")
    names = tuple(n.strip() if isinstance(n, str) else n for n in names)
    if not names or len(set(names)) != len(names) or any(n not in FEATURES for n in names):
        raise ValueError(f"{name!r} should be {allowed}: value = {features!r}")
    return ",".join(names)


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


def _toy(make):
    """The loader of a 2-D toy set: ``make(n, rng)`` draws the points, then the noise is added."""
    def load(rng, n_samples, noise, features):
        X, y = make(n_samples, rng)
        return playground_features(X + noise * rng.standard_normal(X.shape), features), y, 2
    return load


_TOY_PARAMETERS = (
    Parameter("n_samples", "int", 400, _MIN_SAMPLES, doc="Points before the train/test split."),
    Parameter("noise", "float", 0.05, 0.0, doc="Standard deviation of gaussian noise added to the features."),
    Parameter("features", "object", "x1,x2", check=_check_features,
              doc="Input columns as TensorFlow Playground has them: x1,x2,x1^2,x2^2,x1*x2,sin(x1),sin(x2)."),
)
for _make in (_xor, _circles, _gauss, _spiral, _moons):
    register_dataset(DatasetSpec(_make.__name__[1:], _make.__doc__, _TOY_PARAMETERS, _toy(_make)))


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


def _digits(rng, n_samples, encoding, classes):
    pixels, target = _digit_arrays()
    if classes is None:
        keep, y, n_classes = np.arange(len(target)), target, 10
    else:
        lookup = np.full(10, -1, dtype=np.int64)
        lookup[list(classes)] = np.arange(len(classes))
        y_all = lookup[target]
        keep = np.flatnonzero(y_all >= 0)
        y, n_classes = y_all[keep], len(classes)
    if n_samples is not None:
        if n_samples > len(keep):
            raise ValueError(f"'n_samples' should be None or an integer in [{_MIN_SAMPLES}, {len(keep)}] (the digits "
                             f"of the chosen classes): value = {n_samples!r}")
        pick = np.sort(rng.choice(len(keep), size=n_samples, replace=False))
        keep, y = keep[pick], y[pick]
    X = pixels[keep]
    X = X / 16.0 * 2.0 - 1.0 if encoding == "scaled" else np.where(X > 8, 1.0, -1.0)
    return X, np.asarray(y, dtype=np.int64), n_classes


def _check_classes(name, classes):
    """Return ``classes`` as None or a tuple of >= 2 distinct digits 0..9."""
    if classes is None:
        return None
    allowed = "None or a sequence of at least two distinct digits 0..9"
    if isinstance(classes, (str, bytes)) or not hasattr(classes, "__iter__"):
        raise TypeError(f"{name!r} should be {allowed}: value = {classes!r}")
    values = list(classes)
    for i, c in enumerate(values):
        if isinstance(c, bool) or not isinstance(c, numbers.Integral) or not 0 <= c <= 9:
            error = ValueError if isinstance(c, numbers.Integral) and not isinstance(c, bool) else TypeError
            raise error(f"{name!r} should be {allowed}: value = {classes!r} ({name}[{i}] = {c!r})")
    values = tuple(int(c) for c in values)
    if len(values) < 2 or len(set(values)) != len(values):
        raise ValueError(f"{name!r} should be {allowed}: value = {classes!r}")
    return values


register_dataset(DatasetSpec(
    "digits", "scikit-learn's shipped 8x8 digits (1797 images, 64 features in [-1, 1], 10 classes).",
    (Parameter("n_samples", "int", None, _MIN_SAMPLES, doc="Images drawn at random; None: all of them."),
     Parameter("encoding", "choice", "scaled", choices=("scaled", "binary"),
               doc="scaled: pixel / 16 * 2 - 1; binary: +1 where pixel > 8, else -1."),
     Parameter("classes", "object", None, check=_check_classes,
               doc="None (all ten) or distinct digits, relabelled 0.. in the given order.")),
    _digits))


def _teacher(rng, n_inputs, alpha):
    n_patterns = int(round(alpha * n_inputs))
    X = rng.choice(np.array([-1.0, 1.0]), size=(n_patterns, n_inputs))
    w_teacher = rng.choice(np.array([-1.0, 1.0]), size=n_inputs)
    y = (X @ w_teacher >= 0).astype(np.int64)
    return X, y, 2


register_dataset(DatasetSpec(
    "teacher", "Random +-1 inputs labelled by a random +-1 teacher perceptron (round(alpha * n_inputs) samples).",
    (Parameter("n_inputs", "int", 64, 1, doc="Inputs of the perceptron (features)."),
     Parameter("alpha", "float", 2.0, 0.0, low_open=True, doc="Samples per input: P = round(alpha * n_inputs).")),
    _teacher))
