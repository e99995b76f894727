"""Module: a tree of layers that owns parameters and buffers; Sequential, ModuleList and
ModuleDict: containers of modules.

A module registers its parameters and sub-modules simply by attribute assignment:

    self.W = Tensor(..., requires_grad=True)   # a parameter (any Tensor that requires grad)
    self.encoder = Sequential(...)             # a child module
    self.blocks = ModuleList([...])            # a list of children ("blocks.0", "blocks.1", ...)
    self.register_buffer("running_mean", np.zeros(4))   # state that is saved but not trained

A plain Python list, tuple, dict or set of modules or parameters is refused with a TypeError:
its contents would not be registered, so ``parameters()``, ``state_dict()``, ``nn.save`` and the
optimiser would silently miss them. Use ModuleList or ModuleDict instead.

Every module knows its dotted path from the root of the tree (``""`` for the root itself,
``"0"``, ``"encoder.1"`` below it), and every parameter and buffer carries its path as its
``.name`` (``"0.W"``, ``"encoder.1.b"``), so pictures of the graph can show where a weight
lives. When a module is attached to a parent the names of its whole subtree are rewritten, so
the names are right whatever order the modules were built in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from autograd_lite import Tensor, graph
from autograd_lite.validation import ArgumentTypeError, boolean, integer


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


def check_state_entry(
    key: str, shape: tuple[int, ...], dtype: np.dtype, target: Tensor, kind: str
) -> None:
    """Raise ValueError unless an entry of ``shape`` and ``dtype`` can be loaded into
    ``target`` (a parameter or buffer, named by ``kind``) exactly: the same shape (no
    broadcasting) and real numbers; an integer buffer takes only integers (or bools).

    Works from the shape and dtype alone, so ``nn.load`` checks a file's array headers before
    it reads (and allocates) any data.
    """
    # Real numbers only: a complex value would silently lose its imaginary part.
    allowed = "biu" if target.dtype.kind in "biu" else "biuf"
    if dtype.kind not in allowed:
        wanted = "integers" if allowed == "biu" else "real numbers (float, int or bool)"
        raise ValueError(
            f"state dict key '{key}' holds {dtype} data; the model's {kind} of dtype "
            f"{target.dtype} takes {wanted}"
        )
    if tuple(shape) != target.shape:
        raise ValueError(
            f"state dict key '{key}' has shape {tuple(shape)} but the model's {kind} has shape "
            f"{target.shape}"
        )


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _is_parameter(value: Any) -> bool:
    return isinstance(value, Tensor) and value.requires_grad


def _holds_modules_or_parameters(value: Any) -> bool:
    """True when a list, tuple, dict, set or frozenset (nested ones too) holds a Module or a
    parameter anywhere; dict keys and values are both searched."""
    stack, seen = [value], set()
    while stack:
        item = stack.pop()
        if isinstance(item, Module) or _is_parameter(item):
            return True
        if isinstance(item, list | tuple | set | frozenset | dict) and id(item) not in seen:
            seen.add(id(item))
            stack.extend(item.items() if isinstance(item, dict) else item)
    return False


def _check_child_name(owner: str, name: Any, what: str) -> str:
    """A name for a child, buffer or parameter: a non-empty str without dots (dots separate
    the levels of a path such as "encoder.0.W")."""
    if not isinstance(name, str):
        raise ArgumentTypeError(f"{owner}: {what} must be a str, got {name!r}")
    if not name or "." in name:
        raise ValueError(f"{owner}: {what} must be a non-empty name without dots, got {name!r}")
    return name


class Module:
    """Base class of every layer, activation, loss and model.

    Subclasses call ``super().__init__()`` first, assign their parameters and children as
    attributes, and implement ``forward``. Calling a module runs ``forward`` and marks the
    output as the result of this module call (`autograd_lite.graph.end_call`: two clock ticks,
    nothing per op), so ``draw_graph`` can group the nodes it created in a cluster labelled by
    `graph_label`. Modules start in training mode.

    An attribute that holds a parameter accepts only another parameter or None (assigning an
    ndarray or a constant Tensor there would silently drop the parameter from training), and
    an attribute that holds a child module only another module or None, as in PyTorch.
    """

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_path", "")

    # ----------------------------------------------------------------- registration
    def __setattr__(self, name: str, value: Any) -> None:
        graph.module_changed()  # compiled functions that call modules retrace
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"{type(self).__name__}: call super().__init__() before assigning attributes"
            )
        if isinstance(getattr(type(self), name, None), property):
            object.__setattr__(self, name, value)  # e.g. Dense.weight: its setter assigns W
            return
        owner = type(self).__name__
        if _is_parameter(value):
            self._forget(name, keep=self._parameters)
            self._parameters[name] = value
            value.name = _join(self._path, name)
        elif isinstance(value, Module):
            self._forget(name, keep=self._modules)
            self._modules[name] = value
            value._set_path(_join(self._path, name))
        elif name in self._parameters and value is not None:
            raise ArgumentTypeError(
                f"{owner}: cannot assign {_describe(value)} to parameter '{name}': it takes a "
                "Tensor with requires_grad=True, or None to remove the parameter"
            )
        elif name in self._modules and value is not None:
            raise ArgumentTypeError(
                f"{owner}: cannot assign {_describe(value)} to sub-module '{name}': it takes a "
                "Module, or None to remove it"
            )
        elif name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise ArgumentTypeError(
                    f"{owner}: cannot assign {_describe(value)} to buffer '{name}': it takes a "
                    "Tensor (requires_grad=False) or None"
                )
            self._buffers[name] = value
            if value is not None:
                value.name = _join(self._path, name)
        elif isinstance(value, list | tuple | dict | set | frozenset) and (
            _holds_modules_or_parameters(value)
        ):
            raise ArgumentTypeError(
                f"{owner}: attribute '{name}' would be a {type(value).__name__} holding "
                "modules or parameters, which a Module cannot see (they would be missing from "
                "parameters(), state_dict(), nn.save and the optimiser); use nn.ModuleList or "
                "nn.ModuleDict for modules, and assign each parameter to an attribute of its own"
            )
        else:
            self._forget(name)
        object.__setattr__(self, name, value)

    def _forget(self, name: str, keep: dict | None = None) -> None:
        """Drop ``name`` from the parameters, buffers and children, except from ``keep`` (the
        registry about to take it again, so that a replaced entry keeps its place)."""
        graph.module_changed()
        for registry in (self._parameters, self._modules, self._buffers):
            if registry is not keep:
                registry.pop(name, None)
        if keep is not self._buffers:
            self._non_persistent.discard(name)

    def __delattr__(self, name: str) -> None:
        self._forget(name)
        object.__delattr__(self, name)

    def _set_path(self, path: str) -> None:
        """Give this module the dotted path ``path`` and rename its whole subtree to match."""
        for module_path, module in self.named_modules(prefix=path):
            object.__setattr__(module, "_path", module_path)
            for name, tensor in (*module._parameters.items(), *module._buffers.items()):
                if tensor is not None:
                    tensor.name = _join(module_path, name)

    def _add_child(self, name: str, module: Module) -> None:
        """Register ``module`` as the child ``name`` without making it an attribute (for
        containers whose keys could shadow methods, like ModuleDict's)."""
        self._forget(name, keep=self._modules)
        self._modules[name] = module
        module._set_path(_join(self._path, name))

    def register_buffer(self, name: str, value: Any, persistent: bool = True) -> None:
        """Register non-trainable state (running statistics, counters) under ``name``.

        ``value`` (a Tensor that does not require grad, an ndarray, a number, or None for a
        buffer that is declared but empty) is stored as a Tensor with ``requires_grad=False``
        and readable as ``self.<name>``; an ndarray or a Tensor is kept, not copied, and keeps
        its dtype. Buffers are listed by ``buffers()`` / ``named_buffers()``, never by
        ``parameters()``, so no optimiser changes them. Persistent buffers (the default) are
        part of ``state_dict()``, ``load_state_dict()`` and thus ``nn.save`` / ``nn.load``.
        Assigning ``self.<name> = tensor`` later replaces the buffer.
        """
        owner = type(self).__name__
        if "_buffers" not in self.__dict__:
            raise AttributeError(f"{owner}: call super().__init__() before register_buffer")
        name = _check_child_name(f"{owner}.register_buffer", name, "name")
        persistent = boolean(persistent, "persistent", f"{owner}.register_buffer")
        if name not in self._buffers and (
            name in self.__dict__ or hasattr(type(self), name) or name in self._modules
        ):
            raise ValueError(
                f"{owner}.register_buffer: attribute '{name}' already exists and is not a buffer"
            )
        if value is not None:
            if isinstance(value, Tensor):
                if value.requires_grad:
                    raise ValueError(
                        f"{owner}.register_buffer: buffer '{name}' got a Tensor that requires "
                        "grad; a buffer is not trained (pass tensor.detach(), or assign a "
                        "parameter as an attribute instead)"
                    )
                tensor = value
            else:
                array = np.asarray(value)
                if array.dtype.kind not in "biuf":
                    raise ArgumentTypeError(
                        f"{owner}.register_buffer: buffer '{name}' must hold real numbers, got "
                        f"{_describe(value)}"
                    )
                tensor = Tensor(array)
            tensor.name = _join(self._path, name)
        else:
            tensor = None
        self._forget(name, keep=self._buffers)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)
        object.__setattr__(self, name, tensor)

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

    def named_buffers(self) -> Iterator[tuple[str, Tensor]]:
        """Yield ``(dotted path, buffer)`` for every buffer of the tree that is not None
        (persistent or not), in the order of ``named_parameters``; a shared buffer once."""
        seen: set[int] = set()
        for path, module in self.named_modules():
            for name, buffer in module._buffers.items():
                if buffer is not None and id(buffer) not in seen:
                    seen.add(id(buffer))
                    yield _join(path, name), buffer

    def buffers(self) -> list[Tensor]:
        """Every buffer of the tree, in ``named_buffers`` order."""
        return [buffer for _, buffer in self.named_buffers()]

    def zero_grad(self) -> None:
        """Reset every parameter's gradient to None (gradients accumulate otherwise)."""
        for param in self.parameters():
            param.grad = None

    def train(self, mode: bool = True) -> Module:
        """Put the module and all its descendants in training mode (or eval if mode=False)."""
        mode = boolean(mode, "mode", f"{type(self).__name__}.train")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        """Put the module and all its descendants in evaluation mode (dropout off, batch norm
        on its running statistics)."""
        return self.train(False)

    # ----------------------------------------------------------------- state
    def _state_tensors(self) -> dict[str, tuple[Tensor, str]]:
        """``{dotted path: (tensor, "parameter" or "buffer")}`` for everything ``state_dict``
        holds: module by module, its parameters then its persistent buffers (PyTorch's order);
        a tensor shared by two modules appears once, under its first path."""
        entries: dict[str, tuple[Tensor, str]] = {}
        seen: set[int] = set()
        for path, module in self.named_modules():
            tensors = [(n, p, "parameter") for n, p in module._parameters.items()]
            tensors += [
                (n, b, "buffer")
                for n, b in module._buffers.items()
                if b is not None and n not in module._non_persistent
            ]
            for name, tensor, kind in tensors:
                if id(tensor) not in seen:
                    seen.add(id(tensor))
                    entries[_join(path, name)] = (tensor, kind)
        return entries

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter's and persistent buffer's values, keyed by dotted path
        ("0.W", "0.b", "1.running_mean", ...)."""
        return {key: tensor._data.copy() for key, (tensor, _) in self._state_tensors().items()}

    def check_state_dict(self, state: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """Validate ``state`` against this model without changing anything.

        Returns the values as arrays; raises ValueError naming missing keys, unexpected keys,
        or the key and both shapes of a mis-shaped or non-numeric entry.
        """
        if not isinstance(state, Mapping):
            raise ArgumentTypeError(f"state dict must be a mapping, got {type(state).__name__}")
        entries = self._state_tensors()
        check_same_keys(entries, state, f"state dict does not match {type(self).__name__}")
        arrays = {}
        for key, (tensor, kind) in entries.items():
            value = np.asarray(state[key])
            check_state_entry(key, value.shape, value.dtype, tensor, kind)
            arrays[key] = value
        return arrays

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Copy ``state``'s values into the parameters and buffers, in place (the Tensors stay
        the same).

        Everything is validated first (see ``check_state_dict``): on any mismatch nothing is
        changed.
        """
        from .optim import _assign  # the one place nn writes into a tensor's values

        arrays = self.check_state_dict(state)
        for key, (tensor, _) in self._state_tensors().items():
            _assign(tensor, arrays[key])

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


def _describe(value: Any) -> str:
    """A short description of a value for error messages: its type and, for small values,
    the value itself."""
    if isinstance(value, Tensor | np.ndarray):
        return f"a {type(value).__name__} of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 60 else text[:57] + '...'}"


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
            raise ArgumentTypeError(
                f"Sequential takes Module instances, got {type(module).__name__} "
                f"at position {len(self._modules)}"
            )
        setattr(self, str(len(self._modules)), module)
        return self

    def __getitem__(self, index: int) -> Module:
        layers = list(self._modules.values())
        index = integer(index, "index", "Sequential")
        if not -len(layers) <= index < len(layers):
            raise IndexError(f"Sequential: index {index} is out of range for {len(layers)} modules")
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


class ModuleList(Module):
    """A list of modules whose parameters and buffers are registered, like ``torch.nn.ModuleList``.

    Children are named "0", "1", ... by position, so in a model that holds
    ``self.layers = ModuleList([...])`` the parameters are "layers.0.W", "layers.0.b", ...;
    after ``insert`` or ``del`` the positions, and thus the names, are renumbered. It supports
    ``append``, ``extend``, ``insert``, ``len``, iteration, ``in``, indexing with negative
    indices, assignment and ``del`` by index, and slices. A slice is a new ModuleList holding
    the same modules, which keep their names (their place in the model) until attached
    elsewhere. A ModuleList has no ``forward``: call its modules in your own.
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _checked(self, module: Any, position: int) -> Module:
        if not isinstance(module, Module):
            raise ArgumentTypeError(
                f"ModuleList takes Module instances, got {_describe(module)} at position {position}"
            )
        return module

    def _renumber(self, modules: list[Module]) -> None:
        """Make ``modules`` the children "0", "1", ... (renaming their subtrees)."""
        for name in list(self._modules):
            self._forget(name)
            self.__dict__.pop(name, None)
        for position, module in enumerate(modules):
            setattr(self, str(position), module)

    def _position(self, index: Any, *, insert: bool = False) -> int:
        index = integer(index, "index", "ModuleList")
        size = len(self._modules)
        if insert:  # like list.insert: any index is clamped to [0, len]
            return min(max(index + size if index < 0 else index, 0), size)
        if not -size <= index < size:
            raise IndexError(f"ModuleList: index {index} is out of range for {size} modules")
        return index % size

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end; returns self."""
        setattr(self, str(len(self._modules)), self._checked(module, len(self._modules)))
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Append every module of ``modules`` (all are checked before any is added); returns
        self."""
        if isinstance(modules, Module) and not isinstance(modules, Sequential | ModuleList):
            raise ArgumentTypeError(
                f"ModuleList.extend takes an iterable of modules, got {type(modules).__name__}"
            )
        try:
            new = list(modules)
        except TypeError:
            raise ArgumentTypeError(
                f"ModuleList.extend takes an iterable of modules, got {_describe(modules)}"
            ) from None
        start = len(self._modules)
        for offset, module in enumerate(new):
            self._checked(module, start + offset)
        for module in new:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index``; later modules move up by one."""
        position = self._position(index, insert=True)
        modules = list(self._modules.values())
        modules.insert(position, self._checked(module, position))
        self._renumber(modules)

    def __getitem__(self, index: int | slice) -> Module | ModuleList:
        if isinstance(index, slice):
            part = ModuleList()
            for position, module in enumerate(list(self._modules.values())[index]):
                # registered without renaming: the modules keep their place in the model
                part._modules[str(position)] = module
                object.__setattr__(part, str(position), module)
            return part
        return list(self._modules.values())[self._position(index)]

    def __setitem__(self, index: int, module: Module) -> None:
        position = self._position(index)
        setattr(self, str(position), self._checked(module, position))

    def __delitem__(self, index: int | slice) -> None:
        modules = list(self._modules.values())
        if isinstance(index, slice):
            del modules[index]
        else:
            del modules[self._position(index)]
        self._renumber(modules)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))

    def __contains__(self, module: Any) -> bool:
        return any(module is child for child in self._modules.values())


class ModuleDict(Module):
    """A dict of modules whose parameters and buffers are registered, like
    ``torch.nn.ModuleDict``.

    Keys are non-empty strings without dots, kept in insertion order; in a model that holds
    ``self.heads = ModuleDict({"cls": ..., "box": ...})`` the parameters are "heads.cls.W", ...
    It supports ``d[key]`` (get, set, del), ``in``, ``len``, iteration over keys, ``keys()``,
    ``values()``, ``items()``, ``update(mapping or pairs)``, ``pop(key[, default])`` and
    ``clear()``; ``d.key`` reads a module too, unless a method has that name.
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def _checked(self, key: Any, module: Any) -> tuple[str, Module]:
        key = _check_child_name("ModuleDict", key, "key")
        if not isinstance(module, Module):
            raise ArgumentTypeError(
                f"ModuleDict takes Module values, got {_describe(module)} for key {key!r}"
            )
        return key, module

    def __getattr__(self, name: str) -> Module:
        # Only called when normal lookup fails: methods and attributes win over keys.
        modules = self.__dict__.get("_modules")
        if modules is not None and name in modules:
            return modules[name]
        raise AttributeError(f"ModuleDict has no attribute or key {name!r}")

    def _missing(self, key: Any) -> KeyError:
        return KeyError(f"ModuleDict has no key {key!r}; its keys are {list(self._modules)}")

    def __getitem__(self, key: str) -> Module:
        if key not in self._modules:
            raise self._missing(key)
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self._add_child(*self._checked(key, module))

    def __delitem__(self, key: str) -> None:
        if key not in self._modules:
            raise self._missing(key)
        self._forget(key)

    def __contains__(self, key: Any) -> bool:
        return key in self._modules

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._modules))

    def keys(self) -> list[str]:
        """The keys, in insertion order."""
        return list(self._modules)

    def values(self) -> list[Module]:
        """The modules, in insertion order."""
        return list(self._modules.values())

    def items(self) -> list[tuple[str, Module]]:
        """``(key, module)`` pairs, in insertion order."""
        return list(self._modules.items())

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add or replace entries from a mapping or an iterable of ``(key, module)`` pairs;
        every entry is checked before any is added."""
        if isinstance(modules, Mapping):
            pairs = list(modules.items())
        elif isinstance(modules, Module | str) or not isinstance(modules, Iterable):
            raise ArgumentTypeError(
                "ModuleDict.update takes a mapping or an iterable of (key, module) pairs, got "
                f"{_describe(modules)}"
            )
        else:
            pairs = []
            for position, pair in enumerate(modules):
                if not isinstance(pair, tuple | list) or len(pair) != 2:
                    raise ArgumentTypeError(
                        "ModuleDict.update takes (key, module) pairs, got "
                        f"{_describe(pair)} at position {position}"
                    )
                pairs.append(tuple(pair))
        checked = [self._checked(key, module) for key, module in pairs]
        for key, module in checked:
            self._add_child(key, module)

    _NO_DEFAULT = object()

    def pop(self, key: str, default: Any = _NO_DEFAULT) -> Any:
        """Remove ``key`` and return its module (or ``default`` when given and absent)."""
        if key not in self._modules:
            if default is not ModuleDict._NO_DEFAULT:
                return default
            raise self._missing(key)
        module = self._modules[key]
        self._forget(key)
        return module

    def clear(self) -> None:
        """Remove every entry."""
        for key in list(self._modules):
            self._forget(key)
