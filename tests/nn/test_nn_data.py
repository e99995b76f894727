"""Mini-batches, the train/dev/test split and the Standardizer."""

import numpy as np
import pytest

import nn

X = np.arange(20.0).reshape(10, 2)
Y = np.arange(10)


def test_minibatches_cover_every_example_once_and_keep_the_last_partial_batch():
    batches = list(nn.minibatches(X, Y, batch_size=4, seed=0))
    assert [len(xb) for xb, _ in batches] == [4, 4, 2]
    seen = np.concatenate([yb for _, yb in batches])
    assert sorted(seen.tolist()) == list(range(10))
    for xb, yb in batches:  # rows stay paired
        np.testing.assert_array_equal(xb, X[yb])


def test_minibatches_without_shuffle_keep_the_order():
    batches = list(nn.minibatches(X, Y, batch_size=3, shuffle=False))
    np.testing.assert_array_equal(batches[0][1], [0, 1, 2])
    np.testing.assert_array_equal(batches[-1][1], [9])


def test_minibatches_shuffle_is_reproducible_from_a_seed():
    first = [yb.tolist() for _, yb in nn.minibatches(X, Y, 5, seed=3)]
    again = [yb.tolist() for _, yb in nn.minibatches(X, Y, 5, seed=3)]
    other = [yb.tolist() for _, yb in nn.minibatches(X, Y, 5, seed=4)]
    assert first == again
    assert first != other
    assert first != [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]


def test_minibatches_with_a_generator_draw_a_new_order_each_pass():
    rng = np.random.default_rng(0)
    first = [yb.tolist() for _, yb in nn.minibatches(X, Y, 10, seed=rng)]
    second = [yb.tolist() for _, yb in nn.minibatches(X, Y, 10, seed=rng)]
    assert first != second


def test_minibatches_batch_larger_than_the_data_gives_one_batch():
    assert len(list(nn.minibatches(X, Y, batch_size=64))) == 1


def test_minibatches_reject_mismatched_lengths_and_bad_batch_sizes():
    with pytest.raises(ValueError, match=r"\(10, 2\).*\(9,\)"):
        list(nn.minibatches(X, Y[:9], batch_size=2))
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="batch_size"):
            list(nn.minibatches(X, Y, batch_size=bad))


def test_split_sizes_from_fractions_and_the_parts_partition_the_data():
    Xl, Yl = np.arange(200.0).reshape(100, 2), np.arange(100)
    (_, ytr), (xd, yd), (_, yte) = nn.train_dev_test_split(Xl, Yl, 0.2, 0.1, seed=0)
    assert (len(ytr), len(yd), len(yte)) == (70, 20, 10)
    assert sorted(np.concatenate([ytr, yd, yte]).tolist()) == list(range(100))
    np.testing.assert_array_equal(xd, Xl[yd])


def test_split_sizes_from_counts_without_shuffle_are_consecutive_blocks():
    (_, ytr), (_, yd), (_, yte) = nn.train_dev_test_split(X, Y, 3, 2, shuffle=False)
    assert ytr.tolist() == [0, 1, 2, 3, 4]
    assert yd.tolist() == [5, 6, 7]
    assert yte.tolist() == [8, 9]


def test_split_is_reproducible_from_a_seed():
    a = nn.train_dev_test_split(X, Y, seed=1)
    b = nn.train_dev_test_split(X, Y, seed=1)
    for (xa, ya), (xb, yb) in zip(a, b):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)


def test_split_rejects_sizes_that_leave_no_training_data():
    with pytest.raises(ValueError, match="none of the 10"):
        nn.train_dev_test_split(X, Y, 0.5, 0.5)
    with pytest.raises(ValueError, match="dev_size"):
        nn.train_dev_test_split(X, Y, -0.1, 0.1)
    with pytest.raises(ValueError, match="test_size"):
        nn.train_dev_test_split(X, Y, 0.1, 1.5)


def test_standardizer_gives_zero_mean_unit_variance_on_the_training_set():
    rng = np.random.default_rng(0)
    train = rng.normal(loc=[5.0, -2.0], scale=[3.0, 0.1], size=(50, 2))
    scaled = nn.Standardizer().fit_transform(train)
    np.testing.assert_allclose(scaled.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(scaled.std(axis=0), 1.0, rtol=1e-12)


def test_standardizer_applies_the_training_statistics_to_other_sets():
    train = np.array([[0.0, 10.0], [2.0, 30.0]])  # mean (1, 20), std (1, 10)
    scaler = nn.Standardizer().fit(train)
    np.testing.assert_allclose(scaler.transform([[3.0, 0.0]]), [[2.0, -2.0]])
    np.testing.assert_allclose(scaler.inverse_transform([[2.0, -2.0]]), [[3.0, 0.0]])


def test_standardizer_leaves_zero_variance_features_finite():
    train = np.array([[1.0, 4.0], [3.0, 4.0], [5.0, 4.0]])
    scaler = nn.Standardizer().fit(train)
    scaled = scaler.transform(np.array([[3.0, 4.0], [3.0, 6.0]]))
    assert np.all(np.isfinite(scaled))
    np.testing.assert_allclose(scaled[:, 1], [0.0, 2.0])


def test_standardizer_must_be_fitted_and_fed_the_same_features():
    with pytest.raises(RuntimeError, match="before fit"):
        nn.Standardizer().transform(X)
    scaler = nn.Standardizer().fit(X)
    with pytest.raises(ValueError, match=r"\(m, 2\).*\(3, 3\)"):
        scaler.transform(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="non-empty"):
        nn.Standardizer().fit(np.zeros((0, 2)))
