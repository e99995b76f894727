"""nn.export_onnx, nn.to_torch and nn.from_torch: the file and the torch module compute what the
model computes (onnxruntime to 1e-6, torch to 1e-12 in float64), weights survive a round trip
bit for bit, gradients agree, and what cannot be mapped is refused by name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from optional import require

from autograd_lite import Tensor, nn

DTYPES = [np.float64, np.float32]
# onnxruntime must reproduce the model to 1e-6; in float64 it does far better (the exporter
# keeps even LeakyReLU's slope and BatchNorm's ε in float64), so hold it to that.
ONNX_TOLERANCE = {np.float64: 1e-12, np.float32: 1e-6}
BATCH_SIZES = (1, 3, 17)


def rows(m: int, n: int, dtype, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(scale=2.0, size=(m, n)).astype(dtype)


def eval_output(model: nn.Module, x: np.ndarray) -> np.ndarray:
    modes = [module.training for module in model.modules()]
    model.eval()
    try:
        return np.asarray(model(Tensor(x)))
    finally:
        for module, training in zip(model.modules(), modes):
            object.__setattr__(module, "training", training)  # this module only


def layer_cases(dtype) -> dict[str, nn.Module]:
    """One small network around each mappable layer."""

    def around(layer: nn.Module) -> nn.Sequential:
        return nn.Sequential(
            nn.Dense(4, 6, seed=1, dtype=dtype), layer, nn.Dense(6, 3, seed=2, dtype=dtype)
        )

    cases = {
        "Dense": nn.Sequential(nn.Dense(4, 3, seed=1, dtype=dtype)),
        "Dense without bias": nn.Sequential(nn.Dense(4, 3, bias=False, seed=1, dtype=dtype)),
        "Sigmoid": around(nn.Sigmoid()),
        "Tanh": around(nn.Tanh()),
        "ReLU": around(nn.ReLU()),
        "LeakyReLU": around(nn.LeakyReLU(0.2)),
        "LeakyReLU default slope": around(nn.LeakyReLU()),
        "Softmax": nn.Sequential(nn.Dense(4, 5, seed=1, dtype=dtype), nn.Softmax()),
        "Softmax axis 0": nn.Sequential(nn.Dense(4, 5, seed=1, dtype=dtype), nn.Softmax(axis=0)),
        "Dropout": around(nn.Dropout(0.5, seed=0)),
        "nested Sequentials": nn.Sequential(
            nn.Sequential(nn.Dense(4, 6, seed=1, dtype=dtype), nn.Tanh()),
            nn.Sequential(
                nn.Sequential(nn.Dense(6, 5, seed=2, dtype=dtype), nn.LeakyReLU(0.1)),
                nn.Dropout(0.2),
                nn.Dense(5, 3, seed=3, dtype=dtype),
            ),
            nn.Sigmoid(),
        ),
        "a single Dense, not in a Sequential": nn.Dense(4, 3, seed=1, dtype=dtype),
    }
    for model in cases.values():
        for param in model.parameters():  # non-zero biases, so that they are tested too
            param.data += np.asarray(0.1, dtype=dtype)
    return cases


# ============================================================================ ONNX


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("case", list(layer_cases(np.float64)))
def test_onnxruntime_reproduces_every_layer_for_any_batch_size(case, dtype, tmp_path):
    onnx = require("onnx")
    ort = require("onnxruntime")
    model = layer_cases(dtype)[case]
    path = nn.export_onnx(model, tmp_path / "model.onnx", rows(5, 4, dtype))
    assert path == tmp_path / "model.onnx"
    onnx.checker.check_model(onnx.load(path), full_check=True)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for m in BATCH_SIZES:  # the batch axis is dynamic: none of these is the example's 5
        x = rows(m, 4, dtype, seed=m)
        (got,) = session.run(None, {"input": x})
        assert got.dtype == dtype
        np.testing.assert_allclose(got, eval_output(model, x), rtol=0, atol=ONNX_TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_the_file_declares_a_dynamic_batch_axis_and_the_models_dtype(dtype, tmp_path):
    onnx = require("onnx")
    model = nn.Sequential(nn.Dense(4, 2, dtype=dtype), nn.Tanh())
    graph = onnx.load(nn.export_onnx(model, tmp_path / "m.onnx", rows(2, 4, dtype))).graph
    element = onnx.TensorProto.DOUBLE if dtype == np.float64 else onnx.TensorProto.FLOAT
    for value in (graph.input[0], graph.output[0]):
        tensor_type = value.type.tensor_type
        assert tensor_type.elem_type == element
        assert tensor_type.shape.dim[0].dim_param == "batch"
    assert [d.dim_value for d in graph.input[0].type.tensor_type.shape.dim[1:]] == [4]
    assert [d.dim_value for d in graph.output[0].type.tensor_type.shape.dim[1:]] == [2]
    assert {i.name for i in graph.initializer} == {"0.W", "0.b"}  # the parameters' names


def test_a_model_of_dropout_alone_exports_the_identity(tmp_path):
    ort = require("onnxruntime")
    path = nn.export_onnx(nn.Sequential(nn.Dropout(0.5)), tmp_path / "m.onnx", rows(2, 3, "f8"))
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = rows(4, 3, np.float64)
    np.testing.assert_array_equal(session.run(None, {"input": x})[0], x)


def test_export_computes_eval_mode_and_leaves_the_models_modes_as_they_were(tmp_path):
    ort = require("onnxruntime")
    inner = nn.Sequential(nn.Dense(4, 8, seed=0), nn.Dropout(0.5, seed=0))
    model = nn.Sequential(inner, nn.Dense(8, 2, seed=1))
    inner.eval()  # a mixed tree: the outer model trains, the inner block is in eval mode
    modes = [module.training for module in model.modules()]
    path = nn.export_onnx(model, tmp_path / "m.onnx", rows(3, 4, np.float64))
    assert [module.training for module in model.modules()] == modes
    model.train()  # dropout on: the model's own output is now random, the file's is not
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = rows(6, 4, np.float64)
    model.eval()
    np.testing.assert_allclose(session.run(None, {"input": x})[0], model(x).data, atol=1e-12)


class MyLayer(nn.Module):
    def forward(self, x):
        return x * 2


class MyDense(nn.Dense):
    """A subclass may compute something else: it is refused, not exported as a Dense."""


@pytest.mark.parametrize(
    "model, where",
    [
        (nn.Sequential(nn.Dense(3, 3), nn.Tanh(), nn.ReLU(), MyLayer()), "3: MyLayer"),
        (nn.Sequential(nn.Dense(3, 3), nn.Sequential(nn.Tanh(), MyLayer())), "1.1: MyLayer"),
        (nn.Sequential(MyDense(3, 3)), "0: MyDense"),
        (MyLayer(), "<model>: MyLayer"),
        (nn.Sequential(nn.Dense(3, 1), nn.BCELoss()), "1: BCELoss"),
    ],
)
def test_a_layer_without_a_mapping_is_refused_by_name_and_path(model, where, tmp_path):
    target = tmp_path / "m.onnx"
    with pytest.raises(TypeError, match=f"export_onnx: layer '{where}' has no mapping"):
        nn.export_onnx(model, target, rows(2, 3, np.float64))
    with pytest.raises(TypeError, match=f"to_torch: layer '{where}' has no mapping"):
        nn.to_torch(model)
    assert not target.exists()


@pytest.mark.parametrize(
    "example, error, message",
    [
        (
            rows(5, 3, np.float64),
            ValueError,
            r"example_input of shape \(5, 3\) does not fit the "
            r"model: Dense: input of shape \(5, 3\) does not fit W of shape \(2, 4\)",
        ),
        (
            np.zeros(4),
            ValueError,
            r"example_input must have shape \(m, n_features\).*got shape "
            r"\(4,\)",
        ),
        (
            np.zeros((0, 4)),
            ValueError,
            r"example_input must have shape .* m >= 1 .*got shape \(0, 4\)",
        ),
        (np.zeros((2, 4, 1)), ValueError, r"example_input must have shape .*got shape \(2, 4, 1\)"),
        (
            rows(2, 4, np.float32),
            TypeError,
            "example_input is float32 but the model's parameters are float64",
        ),
        (
            np.zeros((2, 4), dtype=int),
            TypeError,
            "example_input must be float32 or float64, got int64",
        ),
        ([[0.0] * 4], TypeError, "example_input must be a NumPy array or a Tensor.*got list"),
        (np.full((2, 4), np.nan), ValueError, "example_input holds NaN"),
    ],
)
def test_an_example_input_that_does_not_fit_is_refused_clearly(example, error, message, tmp_path):
    model = nn.Sequential(nn.Dense(4, 2), nn.Sigmoid())
    with pytest.raises(error, match=f"export_onnx: {message}"):
        nn.export_onnx(model, tmp_path / "m.onnx", example)
    assert list(tmp_path.iterdir()) == []


def test_a_tensor_is_a_valid_example_input(tmp_path):
    require("onnx")
    model = nn.Sequential(nn.Dense(4, 2))
    assert nn.export_onnx(model, tmp_path / "m.onnx", Tensor(rows(2, 4, np.float64))).exists()


def test_mixed_dtypes_and_a_missing_folder_are_refused(tmp_path):
    mixed = nn.Sequential(nn.Dense(4, 3, dtype=np.float32), nn.Dense(3, 1))
    with pytest.raises(TypeError, match=r"mixes dtypes \('0.W' is float32, '1.W' is float64\)"):
        nn.export_onnx(mixed, tmp_path / "m.onnx", rows(2, 4, np.float32))
    with pytest.raises(FileNotFoundError, match=r"folder .*nowhere does not exist"):
        nn.export_onnx(nn.Dense(4, 1), tmp_path / "nowhere" / "m.onnx", rows(2, 4, np.float64))
    with pytest.raises(TypeError, match="model must be an nn Module, got str"):
        nn.export_onnx("model", tmp_path / "m.onnx", rows(2, 4, np.float64))


def test_the_write_replaces_the_file_atomically_and_leaves_no_temporary(tmp_path):
    require("onnx")
    target = tmp_path / "m.onnx"
    target.write_bytes(b"old contents")
    nn.export_onnx(nn.Sequential(nn.Dense(4, 1)), target, rows(2, 4, np.float64))
    assert [p.name for p in tmp_path.iterdir()] == ["m.onnx"]
    assert target.read_bytes() != b"old contents"
    before = target.read_bytes()
    with pytest.raises(ValueError):  # a failed export leaves the old file as it was
        nn.export_onnx(nn.Sequential(nn.Dense(4, 1)), target, rows(2, 5, np.float64))
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.onnx"]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_batchnorm_exports_its_running_statistics(dtype, tmp_path):
    ort = require("onnxruntime")
    model = batchnorm_model(dtype)
    path = nn.export_onnx(model, tmp_path / "bn.onnx", rows(3, 4, dtype))
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for m in BATCH_SIZES:
        x = rows(m, 4, dtype, seed=m)
        (got,) = session.run(None, {"input": x})
        np.testing.assert_allclose(got, eval_output(model, x), rtol=0, atol=ONNX_TOLERANCE[dtype])


def batchnorm_model(dtype) -> nn.Sequential:
    """Dense → BatchNorm1d (non-trivial γ, β and running statistics) → ReLU → Dense."""
    bn = nn.BatchNorm1d(5)
    rng = np.random.default_rng(3)
    for name, values in (
        ("weight", rng.uniform(0.5, 2.0, 5)),
        ("bias", rng.normal(size=5)),
        ("running_mean", rng.normal(size=5)),
        ("running_var", rng.uniform(0.1, 3.0, 5)),
    ):
        getattr(bn, name).data = values.astype(dtype)
    return nn.Sequential(
        nn.Dense(4, 5, seed=0, dtype=dtype), bn, nn.ReLU(), nn.Dense(5, 2, seed=1, dtype=dtype)
    )


# ============================================================================ PyTorch


def torch_name(name: str) -> str:
    """Our parameter path as torch spells it: "1.0.W" -> "1.0.weight"."""
    head, _, last = name.rpartition(".")
    last = {"W": "weight", "b": "bias"}.get(last, last)
    return f"{head}.{last}" if head else last


def torch_cases(dtype) -> dict[str, nn.Module]:
    cases = {k: v for k, v in layer_cases(dtype).items() if "single" not in k}
    if hasattr(nn, "BatchNorm1d"):
        cases["BatchNorm1d"] = batchnorm_model(dtype)
    return cases


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("case", list(torch_cases(np.float64)))
def test_to_torch_computes_the_same_outputs_in_the_same_dtype_and_modes(case, dtype):
    torch = require("torch")
    model = torch_cases(dtype)[case]
    converted = nn.to_torch(model)
    assert isinstance(converted, torch.nn.Sequential)
    for param in converted.parameters():
        assert param.dtype == (torch.float64 if dtype == np.float64 else torch.float32)
    ours = [m.training for m in model.modules()]
    assert [m.training for m in converted.modules()] == ours
    converted.eval()
    x = rows(7, 4, dtype)
    with torch.no_grad():
        got = converted(torch.from_numpy(x)).numpy()
    tolerance = 1e-12 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(got, eval_output(model, x), rtol=0, atol=tolerance)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("case", list(torch_cases(np.float64)))
def test_a_state_dict_round_trip_through_torch_is_exact(case, dtype):
    require("torch")
    model = torch_cases(dtype)[case]
    model.eval()
    converted = nn.to_torch(model)
    torch_state = converted.state_dict()
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(torch_state[torch_name(name)].numpy(), value, strict=True)
    back = nn.from_torch(converted)
    original, returned = model.state_dict(), back.state_dict()
    assert list(returned) == list(original)
    for key, value in original.items():
        np.testing.assert_array_equal(returned[key], value, strict=True)  # bit for bit, dtype too
    x = rows(5, 4, dtype)
    np.testing.assert_array_equal(eval_output(back, x), eval_output(model, x))


def test_gradients_of_a_loss_agree_with_torch():
    torch = require("torch")
    model = layer_cases(np.float64)["nested Sequentials"]
    converted = nn.to_torch(model)
    x, y = rows(9, 4, np.float64), np.random.default_rng(1).uniform(size=(9, 3))
    for module in (model, converted):
        module.eval()  # dropout off in both, so the two compute the same function
    loss = nn.MSELoss()(model(Tensor(x)), y)
    loss.backward()
    torch_loss = torch.nn.functional.mse_loss(converted(torch.from_numpy(x)), torch.from_numpy(y))
    torch_loss.backward()
    assert abs(loss.item() - torch_loss.item()) < 1e-14
    torch_grads = {name: p.grad.numpy() for name, p in converted.named_parameters()}
    for name, param in model.named_parameters():
        np.testing.assert_allclose(param.grad.data, torch_grads[torch_name(name)], atol=1e-10)


def test_from_torch_builds_every_supported_layer_with_its_settings():
    torch = require("torch")
    tnn = torch.nn
    torch.manual_seed(0)
    source = tnn.Sequential(
        tnn.Linear(4, 6),
        tnn.LeakyReLU(0.3),
        tnn.Sequential(tnn.Linear(6, 5, bias=False), tnn.Tanh(), tnn.Dropout(0.25)),
        tnn.ReLU(),
        tnn.Linear(5, 3),
        tnn.Sigmoid(),
        tnn.Linear(3, 3),
        tnn.Softmax(dim=1),
    ).double()
    source[2].eval()  # mixed modes survive
    model = nn.from_torch(source)
    assert [type(m).__name__ for m in model] == [
        "Dense", "LeakyReLU", "Sequential", "ReLU", "Dense", "Sigmoid", "Dense", "Softmax",
    ]  # fmt: skip
    assert model[1].negative_slope == 0.3 and model[7].axis == 1
    assert model[2][2].p == 0.25 and model[2][0].b is None
    assert [m.training for m in model.modules()] == [m.training for m in source.modules()]
    source.eval()
    x = rows(6, 4, np.float64)
    with torch.no_grad():
        expected = source(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(eval_output(model, x), expected, rtol=0, atol=1e-12)
    single = nn.from_torch(tnn.Linear(2, 1).float())
    assert type(single) is nn.Dense and single.W.dtype == np.float32


def test_from_torch_refuses_what_it_cannot_map_by_name_and_path():
    torch = require("torch")
    tnn = torch.nn
    cases = [
        (tnn.Sequential(tnn.Linear(2, 2), tnn.Sequential(tnn.ReLU(), tnn.Identity())),
         TypeError, "layer '1.1: Identity' has no nn equivalent"),
        (tnn.Sequential(tnn.Linear(2, 2), tnn.GELU()), TypeError, "layer '1: GELU'"),
        (tnn.Conv1d(1, 1, 3), TypeError, "layer '<model>: Conv1d'"),
        (tnn.Sequential(tnn.Softmax()), ValueError, "'0: Softmax' has dim=None"),
        (tnn.Sequential(tnn.Linear(2, 2).half()), TypeError, "'0: Linear' holds weight of "
         "torch.float16"),
    ]  # fmt: skip
    for module, error, message in cases:
        with pytest.raises(error, match=f"from_torch: {message}"):
            nn.from_torch(module)
    broken = tnn.Linear(2, 2).double()
    with torch.no_grad():
        broken.weight[0, 0] = float("nan")
    with pytest.raises(ValueError, match="'<model>: Linear' holds NaN or infinite values"):
        nn.from_torch(broken)
    with pytest.raises(TypeError, match=r"expected a torch\.nn\.Module, got Sequential"):
        nn.from_torch(nn.Sequential())


def test_batchnorm_from_torch_copies_weights_and_running_statistics():
    torch = require("torch")
    bn = torch.nn.BatchNorm1d(3, eps=1e-3).double()
    with torch.no_grad():
        bn.weight.uniform_(0.5, 2.0)
        bn.bias.normal_()
        bn.running_mean.normal_()
        bn.running_var.uniform_(0.2, 2.0)
    model = nn.from_torch(torch.nn.Sequential(bn).eval())
    assert model[0].eps == 1e-3
    for name in ("weight", "bias", "running_mean", "running_var"):
        np.testing.assert_array_equal(
            np.asarray(getattr(model[0], name)), getattr(bn, name).detach().numpy()
        )
    x = rows(5, 3, np.float64)
    with torch.no_grad():
        expected = bn(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(eval_output(model, x), expected, rtol=0, atol=1e-12)


def test_importing_nn_imports_none_of_torch_onnx_optuna(tmp_path):
    repo = Path(__file__).resolve().parents[2]
    code = (
        "import sys\nfrom autograd_lite import nn\n"
        "nn.search.Space(lr=nn.search.log_uniform(1e-3, 1))\n"
        "heavy = {'torch', 'onnx', 'onnxruntime', 'optuna'} & set(sys.modules)\n"
        "assert not heavy, heavy\nprint('ok')"
    )
    env = dict(os.environ)
    if not os.environ.get("AUTOGRAD_LITE_INSTALLED"):
        env["PYTHONPATH"] = os.pathsep.join([str(repo), env.get("PYTHONPATH", "")])
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
