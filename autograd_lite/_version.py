"""The version of the autograd-lite distribution (autograd_lite and nn share it)."""

__version__ = "0.3.0"
