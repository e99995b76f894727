"""Benchmarks for autograd_lite: workloads × contenders, every figure a ratio to NumPy.

Run ``python -m benchmarks --help`` (or ``make bench``).  The baseline and the denominator
of every ratio is hand-written, vectorised NumPy whose forward and backward passes are
derived by hand, as in the course.  Each contender's gradients are checked against that
baseline before it is timed; a contender that disagrees is reported WRONG, not fast.

Layout:

- ``harness``     timing (interleaved rounds, warm-up, median/min) and gradient checks
- ``contenders``  the libraries compared and how to tell whether each is installed
- ``workloads/``  one module per workload, holding every contender's implementation
- ``isolation``   runs a contender in its own subprocess (PyTorch, deep scalar chains)
- ``memory_probe`` measures one training step's peak RSS in a fresh process
- ``machine``     thread pinning and the machine description printed with the results
- ``report``      targets, the Markdown table and the JSON file

This module deliberately imports nothing heavy: ``__main__`` pins thread counts before
NumPy is first imported.
"""
