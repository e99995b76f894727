"""Initialisers: each has the scale its formula states, and is reproducible from a seed."""

import numpy as np
import pytest

import nn

N_OUT, N_IN = 300, 500  # 150,000 draws: the sample std is within ~0.2% of the true one


@pytest.mark.parametrize(
    "name, std",
    [
        ("small", 0.01),
        ("xavier", np.sqrt(1 / N_IN)),
        ("glorot", np.sqrt(2 / (N_IN + N_OUT))),
        ("he", np.sqrt(2 / N_IN)),
    ],
)
def test_random_initialiser_has_zero_mean_and_the_formula_std(name, std):
    W = nn.init.INITIALIZERS[name]((N_OUT, N_IN), np.random.default_rng(0))
    assert W.shape == (N_OUT, N_IN)
    n = W.size
    # sample std of n normal draws has relative standard error about 1/sqrt(2n)
    assert abs(W.std() / std - 1) < 5 / np.sqrt(2 * n)
    assert abs(W.mean()) < 5 * std / np.sqrt(n)


def test_zeros_is_all_zero():
    assert not np.any(nn.init.zeros((3, 4)))


@pytest.mark.parametrize("name", ["small", "xavier", "glorot", "he"])
def test_initialiser_is_reproducible_from_a_seed(name):
    init = nn.init.INITIALIZERS[name]
    first = init((4, 5), np.random.default_rng(3))
    np.testing.assert_array_equal(first, init((4, 5), np.random.default_rng(3)))
    assert not np.array_equal(first, init((4, 5), np.random.default_rng(4)))


def test_he_is_a_standard_normal_draw_scaled_by_sqrt_two_over_fan_in():
    draws = np.random.default_rng(9).standard_normal((2, 8))
    W = nn.init.he((2, 8), np.random.default_rng(9))
    np.testing.assert_allclose(W, draws * np.sqrt(2 / 8), rtol=1e-15)


def test_get_initializer_names_the_choices_for_an_unknown_name():
    with pytest.raises(
        ValueError, match=r"'lecun'.*\['glorot', 'he', 'small', 'xavier', 'zeros'\]"
    ):
        nn.init.get_initializer("lecun")


def test_get_initializer_passes_callables_through_and_rejects_other_types():
    def custom(shape, rng):
        return np.ones(shape)

    assert nn.init.get_initializer(custom) is custom
    with pytest.raises(TypeError, match="name or a callable"):
        nn.init.get_initializer(3)


def test_initialize_rejects_non_finite_values():
    with pytest.raises(ValueError, match="finite"):
        nn.init.initialize(lambda shape, rng: np.full(shape, np.nan), (2, 2), None)


def test_xavier_is_the_courses_scale_and_glorot_the_papers_and_pytorchs():
    # the same draws, scaled: xavier by √(1/n_in), glorot by √(2/(n_in + n_out))
    n_out, n_in = 3, 12
    draws = np.random.default_rng(5).standard_normal((n_out, n_in))
    xavier = nn.init.xavier((n_out, n_in), np.random.default_rng(5))
    glorot = nn.init.glorot((n_out, n_in), np.random.default_rng(5))
    np.testing.assert_allclose(xavier, draws / np.sqrt(n_in), rtol=1e-15)
    np.testing.assert_allclose(glorot, draws * np.sqrt(2 / (n_in + n_out)), rtol=1e-15)
    # equal only for square weights
    square = (6, 6)
    np.testing.assert_allclose(
        nn.init.xavier(square, np.random.default_rng(1)),
        nn.init.glorot(square, np.random.default_rng(1)),
        rtol=1e-15,
    )
    assert "xavier_normal_" in nn.init.glorot.__doc__ and "glorot" in nn.init.xavier.__doc__


def test_initialize_names_the_caller_and_refuses_complex_values():
    with pytest.raises(ValueError, match=r"Dense: init must return finite real numbers.*complex"):
        nn.init.initialize(lambda shape, rng: np.ones(shape) + 1j, (2, 2), None, "Dense")
    with pytest.raises(ValueError, match=r"Dense: unknown init 'lecun'"):
        nn.Dense(2, 2, init="lecun")
    with pytest.raises(TypeError, match=r"Dense: init must be a name or a callable, got 3"):
        nn.Dense(2, 2, init=3)


@pytest.mark.parametrize("name", ["zeros", "small", "xavier", "glorot", "he"])
@pytest.mark.parametrize(
    "shape, rng, message",
    [
        ("3x4", None, r"shape must be a non-empty tuple of integers >= 1, got '3x4'"),
        ((3, 0), None, r"shape must be .*got \(3, 0\)"),
        ((3, 2.0), None, r"shape must be .*got \(3, 2\.0\)"),
        ((), None, r"shape must be .*got \(\)"),
        ((3, 4), 7, r"rng must be a numpy\.random\.Generator or None, got 7"),
    ],
)
def test_initialisers_refuse_a_bad_shape_or_generator_naming_themselves(name, shape, rng, message):
    with pytest.raises(TypeError, match=rf"init\.{name}: {message}"):
        nn.init.INITIALIZERS[name](shape, rng)
