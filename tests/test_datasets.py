"""Tests of qnn_lab.data."""
import doctest
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qnn_lab.data import datasets
from qnn_lab.data.datasets import DATASETS, Dataset, list_datasets, load_dataset
from qnn_lab.exceptions import UnknownNameError

TOY = ("xor", "circles", "gauss", "spiral", "moons")
BUILT_IN = TOY + ("digits", "teacher")          # "csv" reads a file: tests/test_csv.py


def _assert_well_formed(ds, n_features, n_classes):
    assert isinstance(ds, Dataset)
    assert ds.n_features == n_features
    assert ds.n_classes == n_classes
    for X, y in ((ds.X_train, ds.y_train), (ds.X_test, ds.y_test)):
        assert X.dtype == np.float64 and y.dtype == np.int64
        assert X.ndim == 2 and X.shape == (len(y), n_features)
        assert len(y) >= 1
        assert y.min() >= 0 and y.max() < n_classes
        assert np.all(np.isfinite(X))


def test_datasets_lists_all_names():
    assert list_datasets() == ["xor", "circles", "gauss", "spiral", "moons", "digits", "teacher", "csv"]
    assert list(DATASETS) == list_datasets() and "digits" in DATASETS


@pytest.mark.parametrize("name", TOY)
def test_toy_sets_have_two_features_two_classes_and_requested_size(name):
    ds = load_dataset(name, n_samples=120, noise=0.0, random_state=3)
    _assert_well_formed(ds, n_features=2, n_classes=2)
    assert len(ds.y_train) + len(ds.y_test) == 120
    assert len(ds.y_test) == 30
    assert set(np.unique(ds.y_train)) == {0, 1}
    X = np.vstack((ds.X_train, ds.X_test))
    assert np.abs(X).max() <= 1.0 + 1e-12  # scaled to [-1, 1] when there is no noise


@pytest.mark.parametrize("name", TOY)
def test_toy_sets_default_to_400_samples(name):
    ds = load_dataset(name)
    assert len(ds.y_train) + len(ds.y_test) == 400
    assert ds.spec["n_samples"] == 400


def test_noise_moves_points():
    clean = load_dataset("circles", n_samples=80, noise=0.0, random_state=5)
    noisy = load_dataset("circles", n_samples=80, noise=0.3, random_state=5)
    assert not np.allclose(clean.X_train, noisy.X_train)
    assert np.abs(np.vstack((noisy.X_train, noisy.X_test))).max() > 1.0


def test_xor_labels_follow_sign_of_product_without_noise():
    ds = load_dataset("xor", n_samples=100, noise=0.0)
    X = np.vstack((ds.X_train, ds.X_test))
    y = np.concatenate((ds.y_train, ds.y_test))
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] > 0).astype(np.int64))


def test_circles_inner_disc_is_class_0_and_outer_ring_class_1_without_noise():
    ds = load_dataset("circles", n_samples=100, noise=0.0)
    radius = np.hypot(ds.X_train[:, 0], ds.X_train[:, 1])
    assert radius[ds.y_train == 0].max() <= 0.5
    assert radius[ds.y_train == 1].min() >= 0.7


def test_split_is_stratified():
    ds = load_dataset("gauss", n_samples=100, test_fraction=0.2)
    np.testing.assert_array_equal(np.bincount(ds.y_test), [10, 10])


def test_digits_default_uses_all_1797_samples_scaled():
    ds = load_dataset("digits")
    _assert_well_formed(ds, n_features=64, n_classes=10)
    assert len(ds.y_train) + len(ds.y_test) == 1797
    X = np.vstack((ds.X_train, ds.X_test))
    assert X.min() == -1.0 and X.max() == 1.0
    np.testing.assert_allclose(np.unique(X), np.arange(17) / 16 * 2 - 1)


def test_digits_binary_encoding_is_plus_minus_one():
    ds = load_dataset("digits", encoding="binary")
    X = np.vstack((ds.X_train, ds.X_test))
    assert set(np.unique(X)) == {-1.0, 1.0}


def test_digits_binary_is_sign_of_pixel_above_8():
    scaled = load_dataset("digits", encoding="scaled", random_state=2)
    binary = load_dataset("digits", encoding="binary", random_state=2)
    pixels = (scaled.X_train + 1) / 2 * 16
    np.testing.assert_array_equal(binary.X_train, np.where(pixels > 8, 1.0, -1.0))


def test_digits_class_subset_is_remapped_in_given_order():
    full = load_dataset("digits")
    sub = load_dataset("digits", classes=[7, 2, 5])
    _assert_well_formed(sub, n_features=64, n_classes=3)
    n_expected = sum(int(np.sum(np.concatenate((full.y_train, full.y_test)) == d)) for d in (7, 2, 5))
    assert len(sub.y_train) + len(sub.y_test) == n_expected
    assert set(np.unique(sub.y_train)) == {0, 1, 2}
    assert sub.spec["classes"] == (7, 2, 5)
    # the images labelled 0 are the 7s: their set equals the 7s of the full set
    sevens_full = np.vstack((full.X_train[full.y_train == 7], full.X_test[full.y_test == 7]))
    sevens_sub = np.vstack((sub.X_train[sub.y_train == 0], sub.X_test[sub.y_test == 0]))
    assert sorted(map(bytes, sevens_full)) == sorted(map(bytes, sevens_sub))


def test_digits_n_samples_subsamples():
    ds = load_dataset("digits", n_samples=100, classes=(0, 1))
    assert len(ds.y_train) + len(ds.y_test) == 100
    assert ds.n_classes == 2


def test_teacher_has_round_alpha_n_patterns_of_plus_minus_one_and_both_classes():
    ds = load_dataset("teacher", n_inputs=21, alpha=1.5)
    _assert_well_formed(ds, n_features=21, n_classes=2)
    assert len(ds.y_train) + len(ds.y_test) == round(1.5 * 21)
    X = np.vstack((ds.X_train, ds.X_test))
    assert set(np.unique(X)) == {-1.0, 1.0}
    assert set(np.concatenate((ds.y_train, ds.y_test))) == {0, 1}


def test_teacher_defaults_are_64_inputs_and_alpha_2():
    ds = load_dataset("teacher")
    assert ds.n_features == 64
    assert len(ds.y_train) + len(ds.y_test) == 128
    assert ds.spec["n_inputs"] == 64 and ds.spec["alpha"] == 2.0


def test_teacher_warns_that_n_samples_is_ignored():
    with pytest.warns(UserWarning, match="n_samples"):
        ds = load_dataset("teacher", n_samples=10, n_inputs=8, alpha=2.0)
    assert len(ds.y_train) + len(ds.y_test) == 16


@pytest.mark.parametrize("name", BUILT_IN)
def test_same_random_state_gives_identical_arrays(name):
    a = load_dataset(name, random_state=11)
    b = load_dataset(name, random_state=11)
    assert a == b
    for attr in ("X_train", "y_train", "X_test", "y_test"):
        np.testing.assert_array_equal(getattr(a, attr), getattr(b, attr))


@pytest.mark.parametrize("name", TOY + ("teacher",))
def test_different_random_state_gives_different_arrays(name):
    assert load_dataset(name, random_state=1) != load_dataset(name, random_state=2)


@pytest.mark.parametrize("name", BUILT_IN)
def test_spec_round_trips(name):
    options = {"digits": {"encoding": "binary", "classes": [1, 4]},
               "teacher": {"n_inputs": 15, "alpha": 0.8}}.get(name, {})
    ds = load_dataset(name, test_fraction=0.3, random_state=4, **options)
    again = load_dataset(**ds.spec)
    assert again == ds
    assert again.spec == ds.spec
    assert ds.spec["name"] == name and ds.spec["test_fraction"] == 0.3


def test_generator_random_state_is_stored_as_int_seed_that_rebuilds():
    ds = load_dataset("spiral", random_state=np.random.default_rng(0))
    assert isinstance(ds.spec["random_state"], int)
    assert load_dataset(**ds.spec) == ds
    none = load_dataset("spiral", random_state=None)
    assert load_dataset(**none.spec) == none


@settings(max_examples=15, deadline=None)
@given(name=st.sampled_from(TOY), n_samples=st.integers(4, 60),
       test_fraction=st.floats(0.2, 0.8), seed=st.integers(0, 2**32 - 1))
def test_split_sizes_add_up_and_spec_round_trips(name, n_samples, test_fraction, seed):
    ds = load_dataset(name, n_samples=n_samples, test_fraction=test_fraction, random_state=seed)
    assert len(ds.y_train) + len(ds.y_test) == n_samples
    assert len(ds.y_test) == round(test_fraction * n_samples)
    assert load_dataset(**ds.spec) == ds


def test_arrays_are_read_only():
    ds = load_dataset("xor", n_samples=20)
    with pytest.raises(ValueError):
        ds.X_train[0, 0] = 5.0


def test_repr_is_short_summary():
    ds = load_dataset("moons", n_samples=40)
    assert repr(ds) == "Dataset('moons', n_train=30, n_test=10, n_features=2, n_classes=2)"


def test_unknown_option_warns_and_is_ignored():
    with pytest.warns(UserWarning, match="colour"):
        ds = load_dataset("xor", n_samples=20, colour="red")
    assert "colour" not in ds.spec
    assert ds == load_dataset("xor", n_samples=20)


def test_known_options_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_dataset("digits", encoding="binary", classes=[0, 1])
        load_dataset("teacher", n_inputs=9, alpha=1.0)


def test_unknown_name_lists_known_names():
    with pytest.raises(UnknownNameError) as info:
        load_dataset("mnist")
    message = str(info.value)
    assert "'name'" in message and "'mnist'" in message
    for name in DATASETS:
        assert repr(name) in message


@pytest.mark.parametrize("kwargs, error, parameter, value", [
    ({"name": "xor", "test_fraction": 0}, ValueError, "test_fraction", "0"),
    ({"name": "xor", "test_fraction": 1.5}, ValueError, "test_fraction", "1.5"),
    ({"name": "xor", "n_samples": 0}, ValueError, "n_samples", "0"),
    ({"name": "xor", "n_samples": 2.5}, TypeError, "n_samples", "2.5"),
    ({"name": "circles", "noise": -1}, ValueError, "noise", "-1"),
    ({"name": "digits", "classes": [3, 3]}, ValueError, "classes", "[3, 3]"),
    ({"name": "digits", "classes": [11]}, ValueError, "classes", "11"),
    ({"name": "digits", "encoding": "grey"}, ValueError, "encoding", "'grey'"),
    ({"name": "digits", "n_samples": 5000}, ValueError, "n_samples", "5000"),
    ({"name": "teacher", "alpha": 0}, ValueError, "alpha", "0"),
    ({"name": "teacher", "n_inputs": 0}, ValueError, "n_inputs", "0"),
    ({"name": "gauss", "random_state": -1}, ValueError, "random_state", "-1"),
])
def test_bad_input_names_parameter_and_value(kwargs, error, parameter, value):
    with pytest.raises(error) as info:
        load_dataset(**kwargs)
    message = str(info.value)
    assert f"'{parameter}'" in message
    assert value in message


@pytest.mark.parametrize("kwargs, parameter", [
    ({"name": "xor", "n_samples": 5, "test_fraction": 0.05}, "n_samples"),
    ({"name": "xor", "n_samples": 5, "test_fraction": 0.95}, "n_samples"),
    ({"name": "teacher", "n_inputs": 4, "alpha": 0.25}, "alpha"),
])
def test_split_leaving_an_empty_part_is_refused(kwargs, parameter):
    with pytest.raises(ValueError) as info:
        load_dataset(**kwargs)
    message = str(info.value)
    assert f"'{parameter}'" in message and "'test_fraction'" in message
    assert "at least one sample" in message


def test_docstring_examples_run():
    result = doctest.testmod(datasets)
    assert result.attempted > 0 and result.failed == 0


def test_playground_features_are_the_columns_named_in_order():
    plain = load_dataset("spiral", random_state=3)
    ds = load_dataset("spiral", features="x1,x2,x1^2,x2^2,x1*x2,sin(x1),sin(x2)", random_state=3)
    x1, x2 = plain.X_train[:, 0], plain.X_train[:, 1]
    expected = np.column_stack([x1, x2, x1 ** 2, x2 ** 2, x1 * x2, np.sin(5 * x1), np.sin(5 * x2)])
    np.testing.assert_allclose(ds.X_train, expected)
    assert ds.n_features == 7 and np.array_equal(ds.y_train, plain.y_train)
    assert load_dataset(**ds.spec) == ds
    assert load_dataset("xor", features=["x1*x2"], random_state=0).n_features == 1
    assert plain.spec["features"] == "x1,x2"


@pytest.mark.parametrize("features, error", [("x1,x3", ValueError), ("", ValueError), ("x1,x1", ValueError),
                                             (3, TypeError)])
def test_bad_features_are_named(features, error):
    with pytest.raises(error, match="'features' should be .*x1\\^2"):
        load_dataset("circles", features=features)
