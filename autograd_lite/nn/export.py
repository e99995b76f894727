"""Take a model elsewhere: an ONNX file (``export_onnx``), a PyTorch module (``to_torch``) and
back (``from_torch``).

What maps (the same list in all three directions):

    nn                 ONNX                                   torch.nn
    Dense              Gemm(x, W, b, transB=1)                Linear (W is Linear.weight as is)
    Sigmoid, Tanh      Sigmoid, Tanh                          Sigmoid, Tanh
    ReLU               Relu                                   ReLU
    LeakyReLU(s)       LeakyRelu(alpha=s)                     LeakyReLU(negative_slope=s)
    Softmax(axis)      Softmax(axis)                          Softmax(dim=axis)
    Dropout(p)         nothing (eval mode: the identity)      Dropout(p)
    BatchNorm1d        BatchNormalization (running stats)     BatchNorm1d
    Sequential         its layers, in order                   Sequential (nesting kept)

A layer is matched by its exact class: a subclass may compute something else in ``forward``, so
it is refused like any other unmapped layer, with its path in the model ("3: MyLayer").

PyTorch, onnx and onnxruntime are optional (``pip install 'autograd-lite[export]'``) and are
imported only when one of these functions is called.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

import autograd_lite as ag
from autograd_lite import Tensor, storage
from autograd_lite.validation import boolean

from .activations import LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .layers import Dense, Dropout
from .module import Module, Sequential

__all__ = ["export_onnx", "from_torch", "to_torch"]

# Opset 17 with IR version 8 (the pair onnx released together) loads in every onnxruntime
# since 1.13, and in particular in the oldest one the `export` extra allows (1.18).
ONNX_OPSET = 17
ONNX_IR_VERSION = 8
# How closely onnxruntime must reproduce the model on `example_input` before export_onnx
# writes the file (different summation orders in the matrix products, nothing more).
EXPORT_TOLERANCE = {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-10}
SUPPORTED = (
    "Dense, Sigmoid, Tanh, ReLU, LeakyReLU, Softmax, Dropout, BatchNorm1d, Sequential (nested)"
)
TORCH_SUPPORTED = (
    "Linear, Sigmoid, Tanh, ReLU, LeakyReLU, Softmax(dim), Dropout, BatchNorm1d, "
    "Sequential (nested)"
)
FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _batchnorm_class() -> type | None:
    """nn.BatchNorm1d when this version of nn has it (looked up at call time)."""
    from autograd_lite import nn

    return getattr(nn, "BatchNorm1d", None)


def _where(path: str, module: Any) -> str:
    """How a layer is named in messages: "3: MyLayer" (its dotted path and its class)."""
    return f"{path or '<model>'}: {type(module).__name__}"


def _leaves(model: Module, where: str, prefix: str = "") -> Iterator[tuple[str, Module]]:
    """(path, layer) for every layer a Sequential tree applies, in order; a layer without a
    mapping raises TypeError naming it and its path."""
    supported = {Dense, Sigmoid, Tanh, ReLU, LeakyReLU, Softmax, Dropout, _batchnorm_class()}
    if type(model) is Sequential:
        for name, child in model.named_children():
            yield from _leaves(child, where, f"{prefix}.{name}" if prefix else name)
    elif type(model) in supported:
        yield prefix, model
    else:
        raise TypeError(
            f"{where}: layer '{_where(prefix, model)}' has no mapping; supported layers "
            f"(exactly these classes): {SUPPORTED}"
        )


def _arrays_of(layer: Module) -> dict[str, np.ndarray]:
    """The arrays a mapped layer holds: W and b of a Dense, the four BatchNorm1d tensors."""
    if type(layer) is Dense:
        names = ("W", "b")
    elif type(layer) is _batchnorm_class():
        names = ("weight", "bias", "running_mean", "running_var")
    else:
        return {}
    arrays = {}
    for name in names:
        value = getattr(layer, name, None)
        if value is not None:
            arrays[name] = np.asarray(value)
    return arrays


def _model_dtype(layers: list[tuple[str, Module]], where: str) -> np.dtype | None:
    """The one float dtype (float32 or float64) of every array the layers hold, or None when
    they hold none; a mixture or another dtype raises naming the array."""
    dtype = first = None
    for path, layer in layers:
        for name, array in _arrays_of(layer).items():
            label = f"{path}.{name}" if path else name
            if array.dtype not in FLOAT_DTYPES:
                raise TypeError(
                    f"{where}: '{label}' is {array.dtype}; exported models are float32 or "
                    "float64 throughout"
                )
            if dtype is None:
                dtype, first = array.dtype, label
            elif array.dtype != dtype:
                raise TypeError(
                    f"{where}: the model mixes dtypes ('{first}' is {dtype}, '{label}' is "
                    f"{array.dtype}); convert it to one dtype first"
                )
    return dtype


@contextlib.contextmanager
def _eval_mode(model: Module) -> Iterator[None]:
    """Eval mode for the duration; afterwards every module's own train/eval flag is as it was
    (a mixed tree stays mixed)."""
    saved = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, training in saved:
            object.__setattr__(module, "training", training)


# ============================================================================ ONNX


def export_onnx(
    model: Module, path: str | os.PathLike, example_input: Any, *, check: bool = True
) -> Path:
    """Write ``model`` as an ONNX file at ``path`` and return the path.

    The file computes the model in **eval mode** (Dropout is the identity, BatchNorm1d uses its
    running statistics) whatever mode the model is in; the model's own mode is not changed.

    ``example_input``, an array of shape (m, n_features), fixes the number of features and the
    dtype (float32 or float64, the dtype of the model's parameters); the batch axis of the
    file is dynamic ("batch"), so any number of rows runs. The example is run through the
    model first (an input the model cannot take raises ValueError here, not in the file's
    user's hands), then the graph is validated with ``onnx.checker`` and, when onnxruntime is
    installed and ``check`` is true, run on the example: its output must match the model's
    (to 1e-5 in float32, 1e-10 in float64) or nothing is written.

    The write is atomic: a temporary file in the same folder, renamed over ``path``.
    Needs the ``onnx`` package (``pip install 'autograd-lite[export]'``).
    """
    where = "export_onnx"
    check = boolean(check, "check", where)
    if not isinstance(model, Module):
        raise TypeError(f"{where}: model must be an nn Module, got {type(model).__name__}")
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"{where}: path must be a str or a path, got {type(path).__name__}")
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(
            f"{where}: cannot write {path}: folder {path.parent} does not exist"
        )
    layers = list(_leaves(model, where))
    example = _check_example(example_input, layers, where)
    with _eval_mode(model), ag.no_grad():
        try:
            expected = np.asarray(model(Tensor(example)))
        except (ValueError, TypeError) as error:
            raise ValueError(
                f"{where}: example_input of shape {example.shape} does not fit the model: {error}"
            ) from error

    try:
        import onnx
    except ImportError as error:
        raise ImportError(
            f"{where} needs the onnx package: pip install 'autograd-lite[export]'"
        ) from error
    onnx_model = _build_onnx(model, layers, example, expected)
    onnx.checker.check_model(onnx_model, full_check=True)
    if check:
        _compare_with_onnxruntime(onnx_model, example, expected, where)
    _write_atomically(path, onnx_model.SerializeToString())
    return path


def _check_example(example_input: Any, layers: list[tuple[str, Module]], where: str) -> np.ndarray:
    """example_input as a 2-D float32/float64 array of the model's dtype, or a clear error."""
    if isinstance(example_input, Tensor):
        example_input = example_input._data
    if not isinstance(example_input, np.ndarray):
        raise TypeError(
            f"{where}: example_input must be a NumPy array or a Tensor of shape (m, n_features), "
            f"got {type(example_input).__name__}"
        )
    if example_input.ndim != 2 or example_input.shape[0] < 1:
        raise ValueError(
            f"{where}: example_input must have shape (m, n_features) with m >= 1 (a batch of "
            f"rows), got shape {example_input.shape}"
        )
    if example_input.dtype not in FLOAT_DTYPES:
        raise TypeError(
            f"{where}: example_input must be float32 or float64, got {example_input.dtype}"
        )
    dtype = _model_dtype(layers, where)
    if dtype is not None and example_input.dtype != dtype:
        raise TypeError(
            f"{where}: example_input is {example_input.dtype} but the model's parameters are "
            f"{dtype}; the file computes in one dtype, so pass an example of the model's dtype"
        )
    if not np.all(np.isfinite(example_input)):
        raise ValueError(f"{where}: example_input holds NaN or infinite values")
    return example_input


def _build_onnx(
    model: Module, layers: list[tuple[str, Module]], example: np.ndarray, expected: np.ndarray
) -> Any:
    """The onnx.ModelProto of the layers, for inputs of example's dtype and feature shape."""
    from onnx import TensorProto, helper, numpy_helper

    dtype = example.dtype
    element = TensorProto.DOUBLE if dtype == np.float64 else TensorProto.FLOAT
    nodes: list[Any] = []
    initializers: list[Any] = []
    current = "input"

    def constant(name: str, value: Any) -> str:
        initializers.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def node(op: str, inputs: list[str], output: str, **attributes: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [output], name=output, **attributes))
        return output

    for path, layer in layers:
        kind = type(layer)
        prefix = f"{path}." if path else ""  # "0.", "1.2." ("" for a one-layer model)
        out = f"{prefix}out"
        arrays = _arrays_of(layer)
        if kind is Dense:
            # Our W has shape (n_out, n_in) and the layer computes x·Wᵀ + b: Gemm with transB=1.
            inputs = [current, constant(f"{prefix}W", arrays["W"])]
            if "b" in arrays:
                inputs.append(constant(f"{prefix}b", arrays["b"]))
            current = node("Gemm", inputs, out, transB=1)
        elif kind is Sigmoid:
            current = node("Sigmoid", [current], out)
        elif kind is Tanh:
            current = node("Tanh", [current], out)
        elif kind is ReLU:
            current = node("Relu", [current], out)
        elif kind is LeakyReLU:
            slope = layer.negative_slope
            if dtype == np.float64:
                # LeakyRelu's alpha is an attribute, and ONNX attributes are 32-bit floats: the
                # slope 0.01 would become 0.00999999977648. In float64 the same function is
                # built from ops that take the slope as a float64 tensor: x > 0 ? x : x·slope.
                positive = node("Greater", [current, constant(f"{prefix}zero", 0.0)], f"{out}.pos")
                scaled = node("Mul", [current, constant(f"{prefix}slope", slope)], f"{out}.neg")
                current = node("Where", [positive, current, scaled], out)
            else:
                current = node("LeakyRelu", [current], out, alpha=slope)
        elif kind is Softmax:
            current = node("Softmax", [current], out, axis=layer.axis)
        elif kind is Dropout:
            continue  # eval mode: the identity
        else:  # BatchNorm1d, in eval mode: (x − running_mean) / √(running_var + ε) · γ + β
            current = _batchnorm_nodes(layer, arrays, current, prefix, dtype, constant, node)

    if current == "input":  # nothing but Dropout: the model is the identity
        current = node("Identity", ["input"], "output")
    else:
        nodes[-1].output[0] = "output"
    features = list(example.shape[1:])
    graph = helper.make_graph(
        nodes,
        "autograd_lite_model",
        [helper.make_tensor_value_info("input", element, ["batch", *features])],
        [helper.make_tensor_value_info("output", element, ["batch", *expected.shape[1:]])],
        initializers,
    )
    onnx_model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", ONNX_OPSET)],
        producer_name="autograd_lite",
        producer_version=ag.__version__,
        doc_string=f"exported from autograd_lite in eval mode:\n{model!r}",
    )
    onnx_model.ir_version = ONNX_IR_VERSION
    return onnx_model


def _batchnorm_nodes(layer, arrays, current, prefix, dtype, constant, node) -> str:
    """The nodes of BatchNorm1d in eval mode (per feature, over axis 1 of (m, n) inputs)."""
    out = f"{prefix}out"
    n = arrays["running_mean"].shape[0]
    weight = arrays.get("weight", np.ones(n, dtype=dtype))
    bias = arrays.get("bias", np.zeros(n, dtype=dtype))
    mean, var = arrays["running_mean"], arrays["running_var"]
    eps = float(layer.eps)
    if dtype == np.float32:
        inputs = [
            current,
            constant(f"{prefix}weight", weight),
            constant(f"{prefix}bias", bias),
            constant(f"{prefix}running_mean", mean),
            constant(f"{prefix}running_var", var),
        ]
        return node("BatchNormalization", inputs, out, epsilon=eps)
    # float64: BatchNormalization's epsilon is a 32-bit float attribute (1e-5 would become
    # 9.99999974738e-06), so the same formula is written out with ε as a float64 tensor.
    centred = node("Sub", [current, constant(f"{prefix}running_mean", mean)], f"{out}.c")
    shifted = node(
        "Add", [constant(f"{prefix}running_var", var), constant(f"{prefix}eps", eps)], f"{out}.v"
    )
    std = node("Sqrt", [shifted], f"{out}.s")
    normal = node("Div", [centred, std], f"{out}.n")
    scaled = node("Mul", [normal, constant(f"{prefix}weight", weight)], f"{out}.g")
    return node("Add", [scaled, constant(f"{prefix}bias", bias)], out)


def _compare_with_onnxruntime(
    onnx_model: Any, example: np.ndarray, expected: np.ndarray, where: str
) -> None:
    """Run the graph on the example with onnxruntime (when installed) and insist that it
    reproduces the model; raise RuntimeError otherwise (nothing is written then)."""
    try:
        import onnxruntime
    except ImportError:
        return
    session = onnxruntime.InferenceSession(
        onnx_model.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    (got,) = session.run(None, {"input": example})
    tolerance = EXPORT_TOLERANCE[example.dtype]
    difference = float(np.max(np.abs(got - expected))) if expected.size else 0.0
    if got.shape != expected.shape or not difference <= tolerance * max(
        1.0, float(np.max(np.abs(expected)))
    ):
        raise RuntimeError(
            f"{where}: onnxruntime's output on example_input differs from the model's "
            f"(shape {got.shape} vs {expected.shape}, largest difference {difference:.3g}, "
            f"tolerance {tolerance:g}); the file was not written. Please report this as a bug."
        )


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary sibling of ``path``, fsync it and rename it over ``path``."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        with open(temporary, "xb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


# ============================================================================ PyTorch


def _import_torch(where: str) -> Any:
    try:
        import torch
    except ImportError as error:
        raise ImportError(
            f"{where} needs PyTorch: pip install 'autograd-lite[export]' (torch==2.13.0, CPU)"
        ) from error
    return torch


def to_torch(model: Module) -> Any:
    """An equivalent ``torch.nn.Sequential`` holding copies of the model's weights.

    Nesting is kept (a Sequential inside becomes a Sequential inside, so the state_dict keys
    line up: our "1.0.W" is torch's "1.0.weight"); a model that is a single layer becomes a
    Sequential of that layer. Dense → Linear (our W of shape (n_out, n_in) is exactly
    Linear.weight), activations → their torch namesakes (Softmax(axis) → Softmax(dim=axis)),
    Dropout(p) → Dropout(p), BatchNorm1d → BatchNorm1d (weights and running statistics; its
    momentum stays torch's). The parameters are in the model's dtype (float32 or float64),
    and every module has the train/eval mode of its counterpart. Needs PyTorch.
    """
    where = "to_torch"
    if not isinstance(model, Module):
        raise TypeError(f"{where}: model must be an nn Module, got {type(model).__name__}")
    layers = list(_leaves(model, where))  # refuses an unmapped layer before anything is built
    dtype = _model_dtype(layers, where) or np.dtype(np.float64)
    torch = _import_torch(where)
    torch_dtype = torch.float64 if dtype == np.float64 else torch.float32
    converted = _to_torch(model, torch, torch_dtype)
    if not isinstance(converted, torch.nn.Sequential):
        converted = torch.nn.Sequential(converted)
        converted.training = model.training  # .train() would reset the layer's own flag
    return converted


def _to_torch(module: Module, torch: Any, dtype: Any) -> Any:
    """The torch module for one of ours (recursively for Sequential), in its train/eval mode."""
    tnn = torch.nn
    kind = type(module)

    def tensor(array: np.ndarray) -> Any:
        return torch.from_numpy(
            np.array(array, dtype=np.float64 if dtype == torch.float64 else np.float32)
        )

    if kind is Sequential:
        converted = tnn.Sequential()
        for name, child in module.named_children():
            converted.add_module(name, _to_torch(child, torch, dtype))
    elif kind is Dense:
        converted = tnn.Linear(module.n_in, module.n_out, bias=module.b is not None, dtype=dtype)
        with torch.no_grad():
            converted.weight.copy_(tensor(module.W._data))
            if module.b is not None:
                converted.bias.copy_(tensor(module.b._data))
    elif kind is Sigmoid:
        converted = tnn.Sigmoid()
    elif kind is Tanh:
        converted = tnn.Tanh()
    elif kind is ReLU:
        converted = tnn.ReLU()
    elif kind is LeakyReLU:
        converted = tnn.LeakyReLU(negative_slope=module.negative_slope)
    elif kind is Softmax:
        converted = tnn.Softmax(dim=module.axis)
    elif kind is Dropout:
        converted = tnn.Dropout(p=module.p)
    else:  # BatchNorm1d (_leaves has refused everything else)
        arrays = _arrays_of(module)
        affine = "weight" in arrays
        converted = tnn.BatchNorm1d(
            arrays["running_mean"].shape[0], eps=float(module.eps), affine=affine, dtype=dtype
        )
        with torch.no_grad():
            for name, array in arrays.items():
                getattr(converted, name).copy_(tensor(array))
    # Children first, then this module's own flag (module.train would overwrite the children).
    converted.training = module.training
    return converted


def from_torch(torch_module: Any) -> Module:
    """Build an nn model from a torch module made of supported layers, copying its weights.

    Accepts ``torch.nn.Sequential`` (nested too) of Linear, Sigmoid, Tanh, ReLU, LeakyReLU,
    Softmax (with an explicit ``dim``), Dropout and BatchNorm1d (when nn has it), or one such
    layer. Weights keep their dtype (float32 or float64), every module keeps its train/eval
    mode, and a layer without an equivalent raises TypeError naming it and its path
    ("2: Conv1d"). Needs PyTorch.
    """
    where = "from_torch"
    torch = _import_torch(where)
    if not isinstance(torch_module, torch.nn.Module):
        raise TypeError(f"{where}: expected a torch.nn.Module, got {type(torch_module).__name__}")
    return _from_torch(torch_module, "", torch, where)


def _from_torch(module: Any, path: str, torch: Any, where: str) -> Module:
    tnn = torch.nn
    kind = type(module)
    label = _where(path, module)

    def array(value: Any, name: str) -> np.ndarray:
        data = value.detach().cpu().numpy().copy()
        if data.dtype not in FLOAT_DTYPES:
            raise TypeError(
                f"{where}: '{label}' holds {name} of {value.dtype}; nn models are float32 or "
                "float64 (convert with .double() or .float())"
            )
        if not np.all(np.isfinite(data)):
            raise ValueError(f"{where}: '{label}' holds NaN or infinite values in its {name}")
        return data

    batchnorm = _batchnorm_class()
    if kind is tnn.Sequential:
        converted: Module = Sequential(
            *(
                _from_torch(child, f"{path}.{name}" if path else name, torch, where)
                for name, child in module.named_children()
            )
        )
    elif kind is tnn.Linear:
        W = array(module.weight, "weight")

        def torch_weights(shape: tuple[int, ...], rng: Any) -> np.ndarray:
            return W  # Dense's "initialiser": the torch layer's weight (its repr says so)

        bias = module.bias is not None
        converted = Dense(W.shape[1], W.shape[0], bias=bias, init=torch_weights, dtype=W.dtype)
        if module.bias is not None:
            storage.write_values(converted.b, array(module.bias, "bias"))
    elif kind is tnn.Sigmoid:
        converted = Sigmoid()
    elif kind is tnn.Tanh:
        converted = Tanh()
    elif kind is tnn.ReLU:
        converted = ReLU()
    elif kind is tnn.LeakyReLU:
        converted = LeakyReLU(module.negative_slope)
    elif kind is tnn.Softmax:
        if module.dim is None:
            raise ValueError(
                f"{where}: '{label}' has dim=None (PyTorch guesses the axis from the input's "
                "rank); give it an explicit dim"
            )
        converted = Softmax(axis=module.dim)
    elif kind is tnn.Dropout:
        converted = Dropout(p=module.p)
    elif kind is tnn.BatchNorm1d and batchnorm is not None:
        if module.running_mean is None:
            raise ValueError(
                f"{where}: '{label}' has track_running_stats=False; nn's BatchNorm1d keeps "
                "running statistics for eval mode"
            )
        converted = batchnorm(module.num_features, eps=module.eps)
        for name in ("weight", "bias", "running_mean", "running_var"):
            value = getattr(module, name)
            target = getattr(converted, name, None)
            if value is None:
                if target is not None:  # affine=False in torch: γ = 1, β = 0
                    target.data = np.full_like(target._data, 1.0 if name == "weight" else 0.0)
                continue
            target.data = array(value, name)
    else:
        supported = (
            TORCH_SUPPORTED
            if batchnorm is not None
            else TORCH_SUPPORTED.replace("BatchNorm1d, ", "")
        )
        raise TypeError(
            f"{where}: layer '{label}' has no nn equivalent; supported layers (exactly these "
            f"classes): {supported}"
        )
    object.__setattr__(converted, "training", bool(module.training))
    return converted
