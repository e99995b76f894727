"""``autograd_lite.linalg``: the ops of the op table declared in the "linalg" namespace, as
``numpy.linalg`` has them (``linalg.norm``, ``linalg.inv``, ``linalg.det``, ``linalg.solve``)."""

from autograd_lite.ops.table import exports as _exports

globals().update(_exports("linalg"))
__all__ = sorted(_exports("linalg"))
