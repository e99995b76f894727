"""The op table: every public operation is declared once, here, with what the rest of the
library generates from it.

    @register(kind="elementwise", method=True, numpy=np.exp, domain=Domain(-3, 3))
    def exp(a): ...

From the table come the package's exports (``autograd_lite.exp``), the Tensor methods
(``x.exp()``) and operators (``x + y``), the PyTorch spellings (``clamp`` for ``clip``,
``dim=`` for ``axis=``), the NumPy dispatch (``np.exp(x)`` records the op) and, on the test
side, the gradient, forward-value, second-order, dtype and fuzz test families, which draw
their inputs from each entry's `domain`: a test fails when an exported op has no test row.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["POSITIVE", "REALS", "REGISTRY", "Domain", "OpInfo", "exports", "register"]


@dataclass(frozen=True)
class Domain:
    """Where an op's inputs may be drawn for its gradient tests: the interval [low, high],
    kept at least `gap` away from each point of `avoid` (kinks and poles: 0 for abs, ±1 for
    arcsin), and from the integers when `off_integers` (floor, ceil, mod), or from the
    half-integers too when `off_halves` (round)."""

    low: float = -2.0
    high: float = 2.0
    avoid: tuple[float, ...] = ()
    gap: float = 1e-3
    off_integers: bool = False
    off_halves: bool = False


REALS = Domain()
POSITIVE = Domain(0.1, 3.0)


@dataclass(frozen=True)
class OpInfo:
    """One op as the library knows it.

    name           the public name: ``autograd_lite.NAME`` (and ``ops.NAME``)
    function       the public function
    kind           "elementwise", "reduction", "shape", "linalg", "loss", "logic", "creation"
    method         the Tensor method name(s) that call it with the tensor first ("" for none)
    operators      dunder methods that are this op (``__add__``)
    reflected      dunder methods that are this op with the operands swapped (``__radd__``)
    aliases        other public names (PyTorch's ``clamp`` for ``clip``): exports and methods
    keyword_aliases  other names for keyword arguments (``{"dim": "axis"}``)
    numpy          NumPy functions and ufuncs that dispatch to it on Tensors
    differentiable  False for ops with integer or boolean results (argmax, comparisons)
    second_order   True when ``create_graph`` through its partials gives exact second
                   derivatives (every op here; kept for ops added through `autograd_lite.extend`)
    domain         `Domain` of the inputs for tests (one, or one per input)
    dtypes         "float": integer and bool inputs are computed in float64 (exp, mean);
                   "numeric": integer dtypes are kept, as NumPy keeps them (add, sum, reshape);
                   "any": the result's dtype is its own (comparisons give bool)
    export         False for primitives used only inside the engine (getitem is ``x[i]``)
    namespace      "" for ``autograd_lite.NAME``; "linalg" for ``autograd_lite.linalg.NAME``
                   (like ``numpy.linalg``)
    """

    name: str
    function: Callable[..., Any]
    kind: str
    method: tuple[str, ...] = ()
    operators: tuple[str, ...] = ()
    reflected: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    keyword_aliases: Mapping[str, str] = field(default_factory=dict)
    numpy: tuple[Any, ...] = ()
    differentiable: bool = True
    second_order: bool = True
    domain: Domain | tuple[Domain, ...] = REALS
    dtypes: str = "float"
    export: bool = True
    namespace: str = ""

    @property
    def public_name(self) -> str:
        """The name a user writes: "exp", or "linalg.norm" for an op in a namespace."""
        return f"{self.namespace}.{self.name}" if self.namespace else self.name

    def domains(self, arity: int) -> tuple[Domain, ...]:
        """The domain of each of `arity` inputs."""
        if isinstance(self.domain, Domain):
            return (self.domain,) * arity
        return self.domain


REGISTRY: dict[str, OpInfo] = {}


def _names(value: str | bool | tuple[str, ...], default: str) -> tuple[str, ...]:
    if value is True:
        return (default,)
    if not value:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _with_keyword_aliases(function: Callable, aliases: Mapping[str, str]) -> Callable:
    """`function` also accepting the alias names of its keyword arguments."""

    @functools.wraps(function)
    def accepting_aliases(*args: Any, **kwargs: Any) -> Any:
        if not kwargs:
            return function(*args)
        for alias, real in aliases.items():
            if alias in kwargs:
                if real in kwargs:
                    raise TypeError(f"{function.__name__}: got both {real}= and its alias {alias}=")
                kwargs[real] = kwargs.pop(alias)
        return function(*args, **kwargs)

    return accepting_aliases


def register(
    function: Callable | None = None,
    *,
    kind: str,
    name: str | None = None,
    method: str | bool | tuple[str, ...] = False,
    operators: tuple[str, ...] = (),
    reflected: tuple[str, ...] = (),
    aliases: tuple[str, ...] = (),
    keyword_aliases: Mapping[str, str] | None = None,
    numpy: Any = (),
    differentiable: bool = True,
    second_order: bool = True,
    domain: Domain | tuple[Domain, ...] = REALS,
    dtypes: str = "float",
    export: bool = True,
    namespace: str = "",
) -> Any:
    """Declare a public op (as a decorator, or called on a function). Returns the function
    (wrapped to accept `keyword_aliases` when there are any)."""

    if dtypes not in ("float", "numeric", "any"):
        raise ValueError(f"register: dtypes must be 'float', 'numeric' or 'any', got {dtypes!r}")

    def declare(function: Callable) -> Callable:
        op_name = name or function.__name__
        if op_name in REGISTRY:
            raise ValueError(f"register: an op named {op_name!r} is already declared")
        public = _with_keyword_aliases(function, keyword_aliases) if keyword_aliases else function
        REGISTRY[op_name] = OpInfo(
            name=op_name,
            function=public,
            kind=kind,
            method=_names(method, op_name),
            operators=tuple(operators),
            reflected=tuple(reflected),
            aliases=tuple(aliases),
            keyword_aliases=dict(keyword_aliases or {}),
            numpy=numpy if isinstance(numpy, tuple) else (numpy,),
            differentiable=differentiable,
            second_order=second_order,
            domain=domain,
            dtypes=dtypes,
            export=export,
            namespace=namespace,
        )
        return public

    return declare if function is None else declare(function)


def exports(namespace: str = "") -> dict[str, Callable]:
    """Every public op function of `namespace` ("" for the top level) by name, aliases
    included."""
    names: dict[str, Callable] = {}
    for info in REGISTRY.values():
        if not info.export or info.namespace != namespace:
            continue
        names[info.name] = info.function
        for alias in info.aliases:
            names[alias] = info.function
    return names


def namespaces() -> list[str]:
    """The namespaces ops are declared in besides the top level ("linalg")."""
    return sorted({info.namespace for info in REGISTRY.values() if info.namespace})


def _summary(function: Callable) -> str:
    """The first sentence of a docstring, on one line."""
    text = " ".join((function.__doc__ or "").split())
    end = text.find(". ")
    return (text if end < 0 else text[: end + 1]).replace("|", "\\|")


def markdown_table() -> str:
    """Every op of the table as a Markdown table (the README's list of ops is this, kept in
    sync by a test): public name, Tensor method and aliases, NumPy counterpart, summary."""
    rows = [
        "| op | Tensor method, aliases | NumPy | what it computes |",
        "|---|---|---|---|",
    ]
    kinds = ("elementwise", "reduction", "ordering", "shape", "linalg", "loss", "logic")
    ordered = sorted(
        (info for info in REGISTRY.values() if info.export),
        key=lambda info: kinds.index(info.kind) if info.kind in kinds else len(kinds),
    )
    for info in ordered:
        methods = [f"`x.{m}()`" for m in info.method]
        aliases = [f"`{a}`" for a in info.aliases]
        operators = [f"`{_OPERATOR_SYMBOLS.get(o, o)}`" for o in info.operators]
        numpy = [f"`np.{_numpy_name(c)}`" for c in info.numpy]
        rows.append(
            f"| `{info.public_name}` | {', '.join(operators + methods + aliases) or '—'} "
            f"| {', '.join(numpy) or '—'} | {_summary(info.function)} |"
        )
    return "\n".join(rows)


_OPERATOR_SYMBOLS = {
    "__add__": "+", "__sub__": "-", "__mul__": "*", "__truediv__": "/", "__pow__": "**",
    "__matmul__": "@", "__neg__": "-x", "__abs__": "abs(x)", "__mod__": "%",
    "__lt__": "<", "__le__": "<=", "__gt__": ">", "__ge__": ">=", "__eq__": "==",
    "__ne__": "!=", "__and__": "&", "__or__": "|", "__invert__": "~",
}  # fmt: skip


def _numpy_name(counterpart: Any) -> str:
    name = getattr(counterpart, "__name__", str(counterpart))
    module = getattr(counterpart, "__module__", "") or ""
    return f"linalg.{name}" if "linalg" in module else name
