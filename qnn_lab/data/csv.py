"""One's own data from a CSV file: numeric feature columns, then the label column (integers or strings).

The first row is a header when none of its feature cells is a number. Cells are separated by
commas (or by semicolons or tabs, when the first row has no comma); blank rows are skipped.
Every problem raises ``DataError`` naming the row (the file's line, from 1) and the column
(from 1, with its header name): a value that is not a number, NaN or infinity, a wrong number
of columns, one class only, more than ``MAX_CLASSES`` classes, more than ``MAX_ROWS`` rows.
Registered as the data set ``csv`` (parameters ``path`` or ``data``).
"""
from __future__ import annotations

import csv
import io
import os

import numpy as np

from ..parameters import Parameter
from .datasets import MAX_ROWS, DataError, Dataset, DatasetSpec, encode_labels, load_dataset, register_dataset

__all__ = ["parse_csv", "read_csv"]

_DELIMITERS = (",", ";", "\t")


def read_csv(source, *, test_fraction=0.25, random_state=0) -> Dataset:
    """A Dataset (named "csv") from a CSV file's path, or its contents as bytes: ``load_dataset("csv", ...)``.

    A path is kept in ``spec`` so that ``load_dataset(**ds.spec)`` reads the file again.

    Examples:
        >>> ds = read_csv(b"x,y,label\\n0,0,a\\n0,1,b\\n1,0,b\\n1,1,a\\n0.1,0.1,a\\n0.9,0.1,b\\n")
        >>> ds.n_features, ds.classes, len(ds.y_train) + len(ds.y_test)
        (2, ('a', 'b'), 6)
    """
    key = "path" if isinstance(source, (str, os.PathLike)) else "data"
    return load_dataset("csv", test_fraction=test_fraction, random_state=random_state, **{key: source})


def parse_csv(data, n_features=None):
    """Features, labels and header (or None) of CSV bytes or text: ``(X float64 (n, d), labels, header)``.

    Labels are ints when every label is an integer, else the label cells as strings. With
    ``n_features`` (a network's input width) the file has that many feature columns and the
    label column is optional (``labels`` is then None when it is absent).
    """
    text = _decode(data)
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = next((d for d in _DELIMITERS if d in first), ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header, features, labels, width = None, [], [], None
    try:
        for row in reader:
            cells = [c.strip() for c in row]
            if not any(cells):
                continue
            line = reader.line_num
            if width is None:
                width = len(cells)
                if n_features is None and width < 2:
                    raise DataError(f"row {line}: the file should have at least 2 columns (features, then the "
                                    f"label): found {width} (cells separated by {delimiter!r})")
                if n_features is not None and width not in (n_features, n_features + 1):
                    raise DataError(f"row {line} has {width} column(s): the network takes {n_features} "
                                    f"feature(s), optionally followed by the label")
                has_labels = n_features is None or width == n_features + 1
                n_x = width - has_labels
                if not any(_is_number(c) for c in cells[:n_x]):
                    header = cells
                    continue
            if len(cells) != width:
                raise DataError(f"row {line} has {len(cells)} column(s): every row should have {width}, "
                                f"like the first")
            if len(features) == MAX_ROWS:
                raise DataError(f"row {line}: the file should have at most {MAX_ROWS} data rows")
            features.append([_number(c, line, j, header) for j, c in enumerate(cells[:n_x])])
            if has_labels and not cells[-1]:
                raise DataError(f"row {line}, {_column(width - 1, header)}: the label is empty")
            labels.append(cells[-1])
    except csv.Error as exc:
        raise DataError(f"row {reader.line_num}: not readable as CSV ({exc})") from None
    if not features:
        raise DataError("the file should hold data rows (features, then the label): found none")
    if not has_labels:
        return np.array(features, dtype=np.float64), None, header
    ints = [_integer(v) for v in labels]
    if all(v is not None for v in ints):
        labels = ints
    return np.array(features, dtype=np.float64), labels, header


def _decode(data):
    if isinstance(data, str):
        return data
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise DataError(f"the CSV data should be a path, bytes or text: type = {type(data).__name__}")
    try:
        return bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = bytes(data)[:exc.start].count(b"\n") + 1
        raise DataError(f"row {row}: the file should be UTF-8 text: byte {bytes(data)[exc.start]:#04x} at "
                        f"offset {exc.start} is not") from None


def _is_number(cell):
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _number(cell, line, j, header):
    try:
        value = float(cell)
    except ValueError:
        what = "is empty" if not cell else f"{cell!r} is not a number"
        raise DataError(f"row {line}, {_column(j, header)}: {what}") from None
    if not np.isfinite(value):
        what = "NaN (a missing value)" if np.isnan(value) else f"{cell!r} is not finite"
        raise DataError(f"row {line}, {_column(j, header)}: {what}")
    return value


def _integer(cell):
    try:
        return int(cell)
    except ValueError:
        return None


def _column(j, header):
    return f"column {j + 1}" + (f" ({header[j]!r})" if header else "")


def _check_path(name, path):
    """None, or the path (as a string) of a file that can be read."""
    if path is None:
        return None
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name!r} should be the path of a CSV file: value = {path!r}")
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise DataError(f"{name!r} should be a readable CSV file: value = {str(path)!r} "
                        f"({exc.strerror or exc})") from None
    return str(path)


def _check_data(name, data):
    """None, or a CSV file's contents as bytes (text is encoded as UTF-8)."""
    if data is None or isinstance(data, bytes):
        return data
    if isinstance(data, str):
        return data.encode()
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    raise TypeError(f"{name!r} should be None or a CSV file's contents (bytes or text): "
                    f"type = {type(data).__name__}")


def _load(rng, path, data):
    """The ``csv`` loader: features, label codes, the number of classes and their names."""
    if (path is None) == (data is None):
        raise TypeError("load_dataset('csv') needs either 'path' (the CSV file to read) or 'data' (its bytes)")
    if path is not None:
        with open(path, "rb") as f:
            data = f.read()
    X, labels, header = parse_csv(data)
    codes, classes = encode_labels(labels, f"{_column(X.shape[1], header)}, the labels,")
    return X, codes, len(classes), tuple(classes)


register_dataset(DatasetSpec(
    "csv", "One's own data: a CSV file of numeric feature columns, the label (integers or strings) last.",
    (Parameter("path", "object", None, check=_check_path, doc="The CSV file to read."),
     Parameter("data", "object", None, check=_check_data, doc="The CSV file's contents (instead of 'path').")),
    _load))
