"""One's own data: Dataset.from_arrays and CSV files (qnn_lab.data.csv), with fuzzed bytes."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qnn_lab as ql
from qnn_lab.data import MAX_CLASSES, MAX_ROWS, DataError
from qnn_lab.data.csv import parse_csv, read_csv

GOOD = b"x1,x2,label\n0.1,0.2,cat\n0.3,-0.4,dog\n1,2,cat\n-1,0.5,dog\n0,0,cat\n2,2,dog\n0.5,0.5,cat\n-2,1,dog\n"


def test_csv_with_header_and_string_labels():
    ds = read_csv(GOOD, random_state=3)
    assert ds.name == "csv" and ds.classes == ("cat", "dog") and ds.n_classes == 2 and ds.n_features == 2
    X = np.vstack((ds.X_train, ds.X_test))
    y = np.concatenate((ds.y_train, ds.y_test))
    rows = {tuple(r) for r in zip(X[:, 0], X[:, 1], y)}
    assert (0.3, -0.4, 1) in rows and (0.1, 0.2, 0) in rows and len(y) == 8
    assert np.bincount(ds.y_test).tolist() == [1, 1]          # stratified


def test_csv_without_header_with_integer_labels_semicolons_and_blank_lines():
    X, labels, header = parse_csv("1;2;5\n\n3;4;7\r\n 5 ; 6 ; 5\n")
    assert header is None and labels == [5, 7, 5]
    np.testing.assert_array_equal(X, [[1, 2], [3, 4], [5, 6]])
    ds = read_csv(b"1,2,5\n3,4,7\n5,6,5\n7,8,7\n")
    assert ds.classes == (5, 7) and set(ds.y_train) | set(ds.y_test) == {0, 1}


def test_load_dataset_csv_reads_a_path_and_its_spec_round_trips(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_bytes(GOOD)
    ds = ql.load_dataset("csv", path=path, test_fraction=0.5, random_state=2)
    assert ds.spec == {"name": "csv", "path": str(path), "test_fraction": 0.5, "random_state": 2}
    assert ql.load_dataset(**ds.spec) == ds
    assert len(ds.y_test) == 4


@pytest.mark.parametrize("data, words", [
    (b"x,y,c\n1,2,a\n3,abc,b\n", ["row 3", "column 2 ('y')", "'abc' is not a number"]),
    (b"1,2,a\n3,,b\n", ["row 2", "column 2", "empty"]),
    (b"1,2,a\n3,nan,b\n", ["row 2", "column 2", "NaN"]),
    (b"1,2,a\n3,inf,b\n", ["row 2", "column 2", "not finite"]),
    (b"1,2,a\n3,4,b,5\n", ["row 2", "4 column(s)", "should have 3"]),
    (b"1,2,a\n\n3,4,\n", ["row 3", "column 3", "label is empty"]),
    (b"x,y,c\n1,2,a\n3,4,a\n", ["column 3 ('c')", "at least 2 classes", "only the class 'a'"]),
    (b"".join(b"%d,0,%d\n" % (i, i) for i in range(MAX_CLASSES + 1)), ["column 3", f"at most {MAX_CLASSES} classes",
                                                                       f"{MAX_CLASSES + 1} distinct"]),
    (b"1,1\n" * (MAX_ROWS + 1), [f"row {MAX_ROWS + 1}", f"at most {MAX_ROWS} data rows"]),
    (b"1\n2\n", ["row 1", "at least 2 columns"]),
    (b"x,y,label\n", ["data rows", "none"]),
    (b"", ["data rows", "none"]),
    (b"1,2,a\n\xff,1,b\n", ["row 2", "UTF-8", "0xff"]),
    (b"1,2,a\n3,4,b\n", ["too few rows", "2 samples"]),
])
def test_bad_files_name_row_and_column(data, words):
    with pytest.raises(DataError) as info:
        read_csv(data)
    for word in words:
        assert word in str(info.value)


def test_unreadable_path_is_named(tmp_path):
    with pytest.raises(DataError, match="'path' should be a readable CSV file.*missing.csv"):
        ql.load_dataset("csv", path=tmp_path / "missing.csv")
    with pytest.raises(TypeError, match="needs either 'path'"):
        ql.load_dataset("csv")


def test_predict_files_may_leave_out_the_label():
    X, labels, _ = parse_csv(b"a,b\n1,2\n3,4\n", n_features=2)
    assert labels is None and X.shape == (2, 2)
    X, labels, _ = parse_csv(b"1,2,yes\n3,4,no\n", n_features=2)
    assert labels == ["yes", "no"]
    with pytest.raises(DataError, match="row 1 has 4 column.*takes 2 feature"):
        parse_csv(b"1,2,3,4\n", n_features=2)


def test_from_arrays_maps_labels_and_checks_them():
    X = np.arange(20.0).reshape(10, 2)
    ds = ql.Dataset.from_arrays(X, [3, 9] * 5, test_fraction=0.2, random_state=1)
    assert ds.classes == (3, 9) and ds.spec == {"name": "arrays", "test_fraction": 0.2, "random_state": 1}
    assert ds.y_train.dtype == np.int64 and ds.X_train.flags.writeable is False
    bad = X.copy()
    bad[4, 1] = np.nan
    with pytest.raises(DataError, match=r"X\[4, 1\] = nan"):
        ql.Dataset.from_arrays(bad, [0, 1] * 5)
    with pytest.raises(DataError, match="one label per row"):
        ql.Dataset.from_arrays(X, [0, 1])
    with pytest.raises(DataError, match="at least 2 classes"):
        ql.Dataset.from_arrays(X, [1] * 10)
    with pytest.raises(ValueError, match="'test_fraction'"):
        ql.Dataset.from_arrays(X, [0, 1] * 5, test_fraction=1.0)


def test_a_csv_dataset_trains():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (120, 2))
    rows = [f"{a:.4f},{b:.4f},{'up' if b > 0 else 'down'}" for a, b in X]
    ds = read_csv(("\n".join(rows) + "\n").encode(), random_state=0)
    net = ql.Network([2, 16, 2], output_replicas=2, random_state=0)
    trainer = ql.ContrastiveTrainer(net, epochs=5, batch_size=4, learning_rate=0.03, random_state=0)
    assert trainer.fit(ds.X_train, ds.y_train).score(ds.X_test, ds.y_test) >= 0.8


cells = st.one_of(st.sampled_from(["1", "-0.5", "2e3", "nan", "inf", "", "a", "x y", '"q,1"', "1_0", " 7 "]),
                  st.text(max_size=5))
rows = st.lists(cells, min_size=0, max_size=5).map(lambda r: ",".join(r))
text_files = st.lists(rows, max_size=12).map(lambda rs: "\n".join(rs).encode())
byte_files = st.binary(max_size=200)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(text_files, byte_files), n_features=st.one_of(st.none(), st.integers(1, 4)))
def test_fuzzed_csv_bytes_give_a_dataset_or_a_data_error(data, n_features):
    """Only DataError (a ValueError naming the problem) comes out of the loader, whatever the bytes."""
    try:
        if n_features is None:
            ds = read_csv(data)
            assert 2 <= ds.n_classes <= MAX_CLASSES and np.all(np.isfinite(ds.X_train))
        else:
            X, _, _ = parse_csv(data, n_features=n_features)
            assert X.shape[1] == n_features
    except DataError as exc:
        assert str(exc)
