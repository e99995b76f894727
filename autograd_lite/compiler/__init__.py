"""`autograd_lite.compile`: trace a function once, then replay it as a flat list of NumPy calls.

    step = autograd_lite.compile(lambda x, y: loss_fn(model(x), y))
    loss = step(X, Y)        # first call: runs eagerly and records every op (a trace)
    loss.backward()
    loss = step(X2, Y2)      # same shapes and modes: replays the recorded ops on the new values
    loss.backward()          # replays the recorded backward pass into the same leaves' .grad

- `trace` records a call: every op the function runs, where each value comes from, and the
  events that make a replay unfaithful (a tensor's value read into Python, an in-place write,
  randomness outside an op, backward() inside the function, ...).
- `kernels` has each op's replay: the NumPy calls of its eager forward, writing into buffers
  kept between calls where the op's result allows it.
- `replay` turns a trace into a `Program`: the forward replay, and for each output that
  requires grad one engine node whose partial derivative replays the recorded backward.
- `compiled` is the function you call: the cache of programs per signature (shapes, dtypes,
  grad mode, the modules' train/eval mode, ...), the guards, and the fallback to eager.
"""

from autograd_lite.compiler.compiled import Compiled, CompileWarning, compile

__all__ = ["CompileWarning", "Compiled", "compile"]
