"""Module: a tree of layers that owns parameters; Sequential: layers applied in order.

A module registers its parameters and sub-modules simply by attribute assignment:

    self.W = Tensor(..., requires_grad=True)   # a parameter (any Tensor that requires grad)
    self.encoder = Sequential(...)             # a child module

Every module knows its dotted path from the root of the tree (``""`` for the root itself,
``"0"``, ``"encoder.1"`` below it), and every parameter carries its path as its ``.name``
(``"0.W"``, ``"encoder.1.b"``), so pictures of the graph can show where a weight lives. When a
module is attached to a parent the names of its whole subtree are rewritten, so the names are
right whatever order the modules were built in.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from autograd_lite import Tensor, graph


def as_tensor(x: Any) -> Tensor:
    """Return ``x`` if it is a Tensor, else wrap it (an ndarray, list or number) in one."""
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x))


def check_same_keys(expected: Mapping, state: Mapping, problem: str) -> None:
    """Raise ValueError starting with `problem` and naming the keys `state` lacks or has
    beyond `expected` (for model and optimiser state dicts alike)."""
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    if missing or unexpected:
        raise ValueError(f"{problem}: missing keys {missing}, unexpected keys {unexpected}")


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


class Module:
    """Base class of every layer, activation, loss and model.

    Subclasses call ``super().__init__()`` first, assign their parameters and children as
    attributes, and implement ``forward``. Calling a module runs ``forward`` and marks the
    output as the result of this module call (`autograd_lite.graph.end_call`: two clock ticks,
    nothing per op), so ``draw_graph`` can group the nodes it created in a cluster labelled by
    `graph_label`. Modules start in training mode.
    """

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_path", "")

    # ----------------------------------------------------------------- registration
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"{type(self).__name__}: call super().__init__() before assigning attributes"
            )
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        if isinstance(value, Tensor) and value.requires_grad:
            self._parameters[name] = value
            value.name = _join(self._path, name)
        elif isinstance(value, Module):
            self._modules[name] = value
            value._set_path(_join(self._path, name))
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        object.__delattr__(self, name)

    def _set_path(self, path: str) -> None:
        """Give this module the dotted path ``path`` and rename its whole subtree to match."""
        for module_path, module in self.named_modules(prefix=path):
            object.__setattr__(module, "_path", module_path)
            for name, param in module._parameters.items():
                param.name = _join(module_path, name)

    # ----------------------------------------------------------------- calling
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Compute the module's output; subclasses override this."""
        raise NotImplementedError(f"{type(self).__name__} does not implement forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        start = graph.begin_call()
        output = self.forward(*args, **kwargs)
        graph.end_call(output, start, self._path or type(self).__name__, self)
        return output

    def graph_label(self) -> str:
        """What this module is, for the clusters of a graph drawing ("Dense(2→4)", "Tanh")."""
        return type(self).__name__

    # ----------------------------------------------------------------- the tree
    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Yield ``(name, module)`` for the direct children, in registration order."""
        yield from self._modules.items()

    def children(self) -> Iterator[Module]:
        """Yield the direct children, in registration order."""
        yield from self._modules.values()

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """Yield ``(dotted path relative to self, module)`` for self and every descendant."""
        stack = [(prefix, self)]
        while stack:
            path, module = stack.pop()
            yield path, module
            children = [(_join(path, n), m) for n, m in module._modules.items()]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        """Yield self and every descendant module, depth first."""
        for _, module in self.named_modules():
            yield module

    def named_parameters(self) -> Iterator[tuple[str, Tensor]]:
        """Yield ``(dotted path, parameter)`` pairs: "0.W", "0.b", "2.W", ...

        A module's own parameters come before its children's; a tensor shared by two modules
        is yielded once, under its first path.
        """
        seen: set[int] = set()
        for path, module in self.named_modules():
            for name, param in module._parameters.items():
                if id(param) not in seen:
                    seen.add(id(param))
                    yield _join(path, name), param

    def parameters(self) -> list[Tensor]:
        """Every parameter of the tree, in ``named_parameters`` order."""
        return [param for _, param in self.named_parameters()]

    def zero_grad(self) -> None:
        """Reset every parameter's gradient to None (gradients accumulate otherwise)."""
        for param in self.parameters():
            param.grad = None

    def train(self, mode: bool = True) -> Module:
        """Put the module and all its descendants in training mode (or eval if mode=False)."""
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Put the module and all its descendants in evaluation mode (dropout off)."""
        return self.train(False)

    # ----------------------------------------------------------------- state
    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter's values, keyed by dotted path."""
        return {name: param.data.copy() for name, param in self.named_parameters()}

    def check_state_dict(self, state: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """Validate ``state`` against this model without changing anything.

        Returns the values as arrays; raises ValueError naming missing keys, unexpected keys,
        or the key and both shapes of a mis-shaped or non-numeric entry.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"state dict must be a mapping, got {type(state).__name__}")
        params = dict(self.named_parameters())
        check_same_keys(params, state, f"state dict does not match {type(self).__name__}")
        arrays = {}
        for key, param in params.items():
            value = np.asarray(state[key])
            # Real numbers only: a complex value would silently lose its imaginary part.
            if value.dtype.kind not in "biuf":
                raise ValueError(
                    f"state dict key '{key}' holds {value.dtype} data; parameters take real "
                    "numbers (float, int or bool)"
                )
            if value.shape != param.shape:
                raise ValueError(
                    f"state dict key '{key}' has shape {value.shape} but the model's "
                    f"parameter has shape {param.shape}"
                )
            arrays[key] = value
        return arrays

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Copy ``state``'s values into the parameters, in place (the Tensors stay the same).

        Everything is validated first (see ``check_state_dict``): on any mismatch nothing is
        changed.
        """
        arrays = self.check_state_dict(state)
        params = dict(self.named_parameters())
        for key, value in arrays.items():
            params[key].data[...] = value

    # ----------------------------------------------------------------- printing
    def extra_repr(self) -> str:
        """The arguments shown between the parentheses of this module's repr."""
        return ""

    def __repr__(self) -> str:
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not self._modules:
            return head + ")"
        lines = [head]
        for name, child in self._modules.items():
            child_repr = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child_repr}")
        return "\n".join(lines) + "\n)"


class Sequential(Module):
    """Modules applied one after another: ``Sequential(f, g, h)(x) = h(g(f(x)))``.

    Children are named "0", "1", ... so parameters are "0.W", "0.b", "2.W", ...
    """

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        for module in modules:
            self.append(module)

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end; returns self."""
        if not isinstance(module, Module):
            raise TypeError(
                f"Sequential takes Module instances, got {type(module).__name__} "
                f"at position {len(self._modules)}"
            )
        setattr(self, str(len(self._modules)), module)
        return self

    def __getitem__(self, index: int) -> Module:
        layers = list(self._modules.values())
        if not isinstance(index, int | np.integer):
            raise TypeError(f"Sequential indices must be integers, got {type(index).__name__}")
        return layers[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def forward(self, x: Any) -> Any:
        """Apply each layer in turn."""
        for module in self._modules.values():
            x = module(x)
        return x
