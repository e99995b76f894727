"""Special cases of the shape ops beyond the op-table rows: repeated indices adding up,
copies that do not alias, gradients of padding worked out by hand, NumPy's meaning of
`repeat` against PyTorch's, errors that name the op and the shapes, empty tensors.

Expected gradients here are counted by hand (how many times each element is read), never
taken from the code under test.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as ag


def leaf(values, dtype=np.float64) -> ag.Tensor:
    return ag.Tensor(np.array(values, dtype=dtype), requires_grad=True)


def grad_of_sum(f, x: ag.Tensor) -> np.ndarray:
    """d sum(f(x)) / dx: how many times (with what weight) each element of x is used."""
    x.grad = None
    f(x).sum().backward()
    return x.grad.data


# ----------------------------------------------------------------------------- repeated reads


def test_repeated_take_indices_add_up():
    x = leaf([10.0, 20.0, 30.0])
    np.testing.assert_array_equal(grad_of_sum(lambda t: ag.take(t, [0, 0, 2, 0]), x), [3, 0, 1])
    np.testing.assert_array_equal(grad_of_sum(lambda t: t.take([-1, 2, 1]), x), [0, 1, 2])


def test_repeated_take_indices_add_up_along_an_axis_with_weights():
    x = leaf(np.arange(6.0).reshape(2, 3))
    out = ag.take(x, np.array([[2, 2], [0, 2]]), axis=1)  # shape (2, 2, 2)
    assert out.shape == (2, 2, 2)
    weights = np.arange(1.0, 9.0).reshape(2, 2, 2)
    out.backward(weights)
    # row 0: column 2 read at weights 1, 2, 4; column 0 at 3.  row 1: 5, 6, 8 and 7.
    np.testing.assert_array_equal(x.grad.data, [[3, 0, 1 + 2 + 4], [7, 0, 5 + 6 + 8]])


def test_take_with_one_index_drops_the_axis_and_scatters_back():
    x = leaf(np.arange(6.0).reshape(2, 3))
    assert ag.take(x, 4).shape == ()
    assert float(ag.take(x, 4).data) == 4.0
    np.testing.assert_array_equal(grad_of_sum(lambda t: ag.take(t, 4), x), [[0, 0, 0], [0, 1, 0]])
    np.testing.assert_array_equal(
        grad_of_sum(lambda t: ag.take(t, -1, axis=0), x), [[0, 0, 0], [1, 1, 1]]
    )


@pytest.mark.parametrize(
    ("mode", "counts"),
    [("wrap", [1, 2, 1]), ("clip", [1, 1, 2])],  # wrap: 3→0, -1→2, 4→1; clip: 3, 4→2, -1→0
)
def test_take_modes_wrap_and_clip_send_the_gradient_where_they_read(mode, counts):
    x = leaf([1.0, 2.0, 3.0])
    out = ag.take(x, [3, -1, 4, 1], mode=mode)
    np.testing.assert_array_equal(out.data, np.take(x.data, [3, -1, 4, 1], mode=mode))
    np.testing.assert_array_equal(
        grad_of_sum(lambda t: ag.take(t, [3, -1, 4, 1], mode=mode), x), counts
    )


def test_repeated_take_along_axis_indices_add_up():
    x = leaf([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    index = np.array([[2, 2, 0, 2], [1, -1, 1, 1]])
    out = ag.take_along_axis(x, index, axis=1)
    np.testing.assert_array_equal(out.data, [[3, 3, 1, 3], [5, 6, 5, 5]])
    np.testing.assert_array_equal(
        grad_of_sum(lambda t: t.take_along_dim(index, dim=1), x), [[1, 0, 3], [0, 3, 1]]
    )


def test_take_along_axis_broadcasts_the_indices_like_numpy():
    x = leaf(np.arange(12.0).reshape(3, 4))
    index = np.array([[3, 0]])  # one row of indices used for every row of x
    out = ag.take_along_axis(x, index, axis=1)
    np.testing.assert_array_equal(out.data, np.take_along_axis(x.data, index, axis=1))
    np.testing.assert_array_equal(
        grad_of_sum(lambda t: ag.take_along_axis(t, index, axis=1), x), [[1, 0, 0, 1]] * 3
    )


def test_repeat_per_element_counts_are_each_elements_gradient():
    x = leaf([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    out = ag.repeat(x, [2, 0, 3], axis=1)
    np.testing.assert_array_equal(out.data, [[1, 1, 3, 3, 3], [4, 4, 6, 6, 6]])
    np.testing.assert_array_equal(
        grad_of_sum(lambda t: ag.repeat(t, [2, 0, 3], axis=-1), x), [[2, 0, 3], [2, 0, 3]]
    )
    np.testing.assert_array_equal(grad_of_sum(lambda t: t.repeat(2), x), [[2, 2, 2], [2, 2, 2]])


def test_repeat_counts_may_be_an_integer_tensor():
    x = leaf([1.0, 2.0])
    out = ag.repeat(x, ag.Tensor(np.array([3, 1])))
    np.testing.assert_array_equal(out.data, [1, 1, 1, 2])


def test_tile_gradient_counts_the_copies():
    x = leaf([1.0, 2.0])
    out = ag.tile(x, (2, 3))
    assert out.shape == (2, 6)
    np.testing.assert_array_equal(grad_of_sum(lambda t: ag.tile(t, (2, 3)), x), [6, 6])
    weights = np.arange(12.0).reshape(2, 6)
    x.grad = None
    ag.tile(x, (2, 3)).backward(weights)
    # x[0] sits in the even columns, x[1] in the odd ones
    np.testing.assert_array_equal(x.grad.data, [weights[:, 0::2].sum(), weights[:, 1::2].sum()])


# ----------------------------------------------------------------------------- repeat is NumPy's


def test_repeat_is_numpys_elementwise_repeat_not_pytorchs_tiling():
    x = ag.Tensor([1.0, 2.0])
    np.testing.assert_array_equal(x.repeat(2).data, [1, 1, 2, 2])
    np.testing.assert_array_equal(x.tile(2).data, [1, 2, 1, 2])  # PyTorch's x.repeat(2)


def test_repeat_with_pytorchs_sizes_points_to_tile():
    x = ag.Tensor(np.ones((2, 2)))
    with pytest.raises(TypeError, match=r"repeat: .*3 numbers.*use tile"):
        x.repeat(2, 1, 3)
    with pytest.raises(ValueError, match=r"repeat: axis 3 is out of bounds .*\(2, 2\).*tile"):
        x.repeat(2, 3)
    with pytest.raises(
        ValueError, match=r"repeat: 2 repeats for the flattened tensor of length 4.*tile"
    ):
        x.repeat((2, 3))
    with pytest.raises(TypeError, match=r"repeat: axis must be a single int.*tile"):
        x.repeat(2, (0, 1))


def test_repeat_refuses_negative_and_fractional_counts():
    x = ag.Tensor([1.0, 2.0])
    with pytest.raises(ValueError, match="repeat: repeats must be ≥ 0"):
        ag.repeat(x, -1)
    with pytest.raises(TypeError, match="repeat: repeats must be ints"):
        ag.repeat(x, 1.5)


# ----------------------------------------------------------------------------- copies


@pytest.mark.parametrize("name", ["copy", "clone"])
def test_copy_does_not_alias(name):
    x = ag.Tensor([1.0, 2.0, 3.0])
    y = getattr(x, name)()
    y[0] = 100.0
    y.data[1] = 200.0
    np.testing.assert_array_equal(x.data, [1, 2, 3])
    assert not np.shares_memory(getattr(ag, name)(x).data, x.data)


def test_copy_passes_the_gradient_through_and_keeps_the_dtype():
    x = leaf([1.0, 2.0], np.float32)
    np.testing.assert_array_equal(grad_of_sum(lambda t: t.copy() * 3, x), [3, 3])
    assert ag.copy(ag.Tensor(np.array([1, 2]))).dtype == np.int64


def test_flatten_copies_and_ravel_is_a_view_like_numpy():
    data = np.arange(6.0).reshape(2, 3)
    x = ag.Tensor(data)
    assert not np.shares_memory(x.flatten().data, data)
    assert np.shares_memory(x.ravel().data, data)


# ----------------------------------------------------------------------------- padding


@pytest.mark.parametrize(
    ("mode", "pad_width", "padded", "counts"),
    [
        # [a0 a1 a2] with each padded position naming the element it copies
        ("constant", (1, 2), [0, 1, 2, 3, 0, 0], [1, 1, 1]),
        ("edge", (2, 1), [1, 1, 1, 2, 3, 3], [3, 1, 2]),
        ("reflect", 2, [3, 2, 1, 2, 3, 2, 1], [2, 3, 2]),
        ("symmetric", 1, [1, 1, 2, 3, 3], [2, 1, 2]),
        ("wrap", (1, 2), [3, 1, 2, 3, 1, 2], [2, 2, 2]),
        ("reflect", (5, 0), [2, 1, 2, 3, 2, 1, 2, 3], [2, 4, 2]),  # wider than the axis
    ],
)
def test_pad_values_and_gradients_by_hand(mode, pad_width, padded, counts):
    x = leaf([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(ag.pad(x, pad_width, mode=mode).data, padded)
    np.testing.assert_array_equal(grad_of_sum(lambda t: ag.pad(t, pad_width, mode), x), counts)


def test_pad_corners_copy_both_ways():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    out = ag.pad(x, 1, mode="edge")  # each corner of the 4 x 4 result copies a corner of x
    np.testing.assert_array_equal(out.data[0], [1, 1, 2, 2])
    np.testing.assert_array_equal(grad_of_sum(lambda t: ag.pad(t, 1, "edge"), x), [[4, 4], [4, 4]])


def test_pad_widths_differ_per_axis_and_constant_values_per_side():
    x = ag.Tensor(np.ones((2, 3)))
    out = ag.pad(x, ((1, 0), (0, 2)), constant_values=(7.0, 9.0))
    np.testing.assert_array_equal(out.data, [[7, 7, 7, 9, 9], [1, 1, 1, 9, 9], [1, 1, 1, 9, 9]])


def test_pad_width_as_a_dict_of_axes_like_numpy_2_3():
    x = ag.Tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(ag.pad(x, {-1: (1, 0)}).data, np.pad(x.data, ((0, 0), (1, 0))))
    np.testing.assert_array_equal(
        ag.pad(x, {0: 2}, "wrap").data, np.pad(x.data, ((2, 2), (0, 0)), "wrap")
    )


def test_pad_keeps_integer_dtypes_like_numpy():
    out = ag.pad(ag.Tensor(np.array([1, 2], dtype=np.int32)), 1, constant_values=5)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out.data, [5, 1, 2, 5])


# ----------------------------------------------------------------------------- errors


def test_squeeze_of_an_axis_longer_than_one_names_the_axis_and_the_shape():
    x = ag.Tensor(np.ones((2, 1, 3)))
    with pytest.raises(
        ValueError, match=r"squeeze: axis 2 of a tensor of shape \(2, 1, 3\) has length 3"
    ):
        x.squeeze(-1)
    with pytest.raises(ValueError, match=r"squeeze: axis 0 .*\(2, 1, 3\)"):
        ag.squeeze(x, (0, 1))
    with pytest.raises(ValueError, match=r"squeeze: axis 3 is out of bounds .*\(2, 1, 3\)"):
        x.squeeze(dim=3)


def test_expand_dims_axis_out_of_range_names_the_shapes():
    x = ag.Tensor(np.ones((2, 3)))
    with pytest.raises(
        ValueError, match=r"expand_dims: axis 3 is out of bounds for the 3-D .*\(2, 3\)"
    ):
        x.unsqueeze(3)
    assert x.unsqueeze(-1).shape == (2, 3, 1)
    assert ag.expand_dims(x, (0, -1)).shape == (1, 2, 3, 1)
    with pytest.raises(ValueError, match="expand_dims: repeated axis"):
        ag.expand_dims(x, (0, 0))
    with pytest.raises(TypeError, match="expand_dims: axis must be"):
        ag.expand_dims(x, None)


def test_flatten_with_pytorchs_positional_start_dim_says_how():
    x = ag.Tensor(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match=r"flatten: order must be .*flatten\(start_dim=1\)"):
        x.flatten(1)
    assert x.flatten(start_dim=1).shape == (2, 12)
    with pytest.raises(ValueError, match="flatten: start_dim 2 comes after end_dim 1"):
        x.flatten(start_dim=2, end_dim=1)
    with pytest.raises(ValueError, match="ravel: order must be"):
        x.ravel("K")


def test_pad_width_of_the_wrong_length_names_the_shape():
    x = ag.Tensor(np.ones((2, 3)))
    with pytest.raises(
        ValueError, match=r"pad: pad_width .* does not fit a tensor of shape \(2, 3\)"
    ):
        ag.pad(x, ((1, 1), (1, 1), (1, 1)))
    with pytest.raises(ValueError, match=r"pad: pad_width .* \(2, 3\)"):
        ag.pad(x, (1, 2, 3))
    with pytest.raises(ValueError, match="pad: pad widths must be ≥ 0"):
        ag.pad(x, -1)
    with pytest.raises(TypeError, match="pad: pad_width must be ints"):
        ag.pad(x, 1.5)


def test_pad_refuses_modes_it_cannot_differentiate_exactly():
    x = ag.Tensor(np.ones(3))
    with pytest.raises(ValueError, match="pad: mode 'mean' is not supported"):
        ag.pad(x, 1, "mean")
    with pytest.raises(ValueError, match="PyTorch's 'replicate' is 'edge'"):
        ag.pad(x, 1, "replicate")
    with pytest.raises(ValueError, match="constant_values only applies to mode 'constant'"):
        ag.pad(x, 1, "edge", constant_values=3)
    with pytest.raises(
        ValueError, match=r"pad: mode 'wrap' cannot pad an axis of length 0 .*\(0, 2\)"
    ):
        ag.pad(ag.Tensor(np.ones((0, 2))), 1, "wrap")


def test_pad_refuses_a_constant_that_would_need_a_gradient():
    x = ag.Tensor(np.ones(3))
    with pytest.raises(TypeError, match=r"pad: constant_values .* no gradient"):
        ag.pad(x, 1, constant_values=ag.Tensor(2.0, requires_grad=True))
    np.testing.assert_array_equal(
        ag.pad(x, 1, constant_values=ag.Tensor(2.0)).data, [2, 1, 1, 1, 2]
    )


def test_take_out_of_range_names_the_op_the_index_and_the_shape():
    x = ag.Tensor(np.ones((2, 3)))
    with pytest.raises(
        IndexError,
        match=r"take: index 6 is out of bounds for the flattened tensor of length 6 "
        r"\(tensor of shape \(2, 3\)\)",
    ):
        ag.take(x, [0, 6])
    with pytest.raises(
        IndexError, match=r"take: index -4 is out of bounds for axis -1 of length 3 .*\(2, 3\)"
    ):
        x.take([-4], axis=-1)
    with pytest.raises(IndexError, match=r"take: cannot take from axis 0 of length 0 .*\(0, 3\)"):
        ag.take(ag.Tensor(np.ones((0, 3))), [0], axis=0)
    with pytest.raises(TypeError, match="take: indices must be integers, got dtype float64"):
        ag.take(x, [0.5])
    with pytest.raises(ValueError, match="take: mode must be"):
        ag.take(x, [0], mode="nearest")


def test_take_along_axis_shape_mismatch_names_both_shapes():
    x = ag.Tensor(np.ones((2, 3)))
    with pytest.raises(
        ValueError,
        match=r"take_along_axis: indices of shape \(2,\) need as many axes as the tensor "
        r"of shape \(2, 3\)",
    ):
        ag.take_along_axis(x, np.array([0, 1]), axis=1)
    with pytest.raises(
        ValueError,
        match=r"take_along_axis: indices of shape \(3, 1\) do not broadcast against a "
        r"tensor of shape \(2, 3\)",
    ):
        ag.take_along_axis(x, np.zeros((3, 1), dtype=int), axis=1)
    with pytest.raises(
        IndexError, match=r"take_along_axis: index 3 is out of bounds for axis 1 of length 3"
    ):
        ag.take_along_axis(x, np.array([[3], [0]]), axis=1)
    with pytest.raises(ValueError, match=r"take_along_axis: with axis None indices must be 1-D"):
        ag.take_along_axis(x, np.zeros((1, 1), dtype=int), axis=None)


def test_roll_shift_and_axis_counts_must_match():
    x = ag.Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match="roll: 2 shifts for 3 axes"):
        ag.roll(x, (1, 2), (0, 1, 0))
    with pytest.raises(TypeError, match="roll: shift must be an int"):
        ag.roll(x, 1.5)


def test_roll_adds_the_shifts_of_an_axis_named_twice_like_numpy():
    x = ag.Tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(ag.roll(x, (1, 1), (1, -1)).data, np.roll(x.data, 2, axis=1))
    np.testing.assert_array_equal(x.roll(shifts=-1, dims=None).data, np.roll(x.data, -1))


@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("squeeze", lambda a: ag.squeeze(a)),
        ("expand_dims", lambda a: ag.expand_dims(a, 0)),
        ("flatten", lambda a: ag.flatten(a)),
        ("ravel", lambda a: ag.ravel(a)),
        ("copy", lambda a: ag.copy(a)),
        ("repeat", lambda a: ag.repeat(a, 2)),
        ("tile", lambda a: ag.tile(a, 2)),
        ("roll", lambda a: ag.roll(a, 1)),
        ("flip", lambda a: ag.flip(a)),
        ("pad", lambda a: ag.pad(a, 1)),
        ("take", lambda a: ag.take(a, [0])),
        ("take_along_axis", lambda a: ag.take_along_axis(a, np.array([0]), 0)),
    ],
)
def test_complex_inputs_are_refused_naming_the_op(name, call):
    with pytest.raises(TypeError, match=f"{name}: complex numbers"):
        call(np.array([1 + 2j, 3j]))


# ----------------------------------------------------------------------------- empty tensors

EMPTY_CASES = [
    ("squeeze", (0, 1), lambda t: ag.squeeze(t), lambda a: np.squeeze(a)),
    ("expand_dims", (0, 3), lambda t: t.unsqueeze(1), lambda a: np.expand_dims(a, 1)),
    ("flatten", (2, 0), lambda t: t.flatten(), lambda a: a.flatten()),
    ("ravel", (0, 3), lambda t: t.ravel("F"), lambda a: np.ravel(a, "F")),
    ("copy", (0,), lambda t: t.clone(), np.copy),
    ("repeat int", (0, 3), lambda t: t.repeat(2, axis=0), lambda a: np.repeat(a, 2, axis=0)),
    ("repeat list", (0, 3), lambda t: t.repeat([], axis=0), lambda a: np.repeat(a, [], axis=0)),
    ("repeat zero", (2, 3), lambda t: t.repeat(0, axis=1), lambda a: np.repeat(a, 0, axis=1)),
    ("tile", (0, 2), lambda t: t.tile((2, 3)), lambda a: np.tile(a, (2, 3))),
    ("tile zero", (2,), lambda t: t.tile(0), lambda a: np.tile(a, 0)),
    ("roll", (0, 3), lambda t: t.roll(1), lambda a: np.roll(a, 1)),
    ("roll axis", (3, 0), lambda t: t.roll(2, axis=1), lambda a: np.roll(a, 2, axis=1)),
    ("flip", (0, 3), lambda t: t.flip(1), lambda a: np.flip(a, 1)),
    ("pad constant", (0, 3), lambda t: ag.pad(t, 1), lambda a: np.pad(a, 1)),
    (
        "pad edge off the empty axis",
        (0, 3),
        lambda t: ag.pad(t, ((0, 0), (1, 2)), "edge"),
        lambda a: np.pad(a, ((0, 0), (1, 2)), "edge"),
    ),
    (
        "take nothing",
        (2, 3),
        lambda t: t.take([], axis=1),
        lambda a: np.take(a, np.zeros(0, int), 1),
    ),
    ("take from empty", (0, 3), lambda t: t.take([]), lambda a: np.take(a, np.zeros(0, int))),
    (
        "take_along_axis",
        (2, 3),
        lambda t: ag.take_along_axis(t, np.zeros((2, 0), dtype=int), 1),
        lambda a: np.take_along_axis(a, np.zeros((2, 0), dtype=int), 1),
    ),
]


@pytest.mark.parametrize(
    ("label", "shape", "call", "reference"), EMPTY_CASES, ids=[c[0] for c in EMPTY_CASES]
)
def test_empty_tensors_behave_like_numpy(label, shape, call, reference):
    x = leaf(np.zeros(shape))
    out = call(x)
    expected = reference(np.zeros(shape))
    assert out.shape == expected.shape and out.dtype == expected.dtype
    out.backward(np.ones(out.shape))
    assert x.grad.shape == shape
    # nothing of x is read when the result is empty; else each element is read once or more
    assert (x.grad.data == 0).all() if out.size == 0 else (x.grad.data >= 1).all()


# ----------------------------------------------------------------------------- second order


def test_second_derivative_through_take_with_repeated_indices():
    """d/dx of Σ take(x, [0, 0, 1])² is 2·(2x0, x1) scattered; its derivative along v is
    (4 v0, 2 v1, 0)."""
    x = leaf([1.0, 2.0, 3.0])
    (ag.take(x, [0, 0, 1]) ** 2).sum().backward(create_graph=True)
    grad = x.grad
    np.testing.assert_array_equal(grad.data, [4.0, 4.0, 0.0])
    x.grad = None
    v = np.array([1.0, -1.0, 5.0])
    (grad * v).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [4.0, -2.0, 0.0])
