"""nn: neural networks built on the autograd_lite engine.

Modules and layers, activations, losses, initialisers, optimisers, learning-rate schedules,
data utilities, a training loop and save/load. Every gradient comes from the engine's graph.

Import it as ``from autograd_lite import nn`` (``import nn`` is the same module under a short
name, which a file of your own called ``nn.py`` would shadow).
"""

from autograd_lite._version import __version__

from . import data, init, progress, schedules
from . import datasets as datasets  # the examples' data: nn.datasets.planar_flower, ...
from . import search as search  # hyperparameter search on Optuna: nn.search.run, ...
from .activations import LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .data import Standardizer, minibatches, train_dev_test_split
from .export import export_onnx, from_torch, to_torch
from .io import load, save
from .layers import BatchNorm1d, Dense, Dropout, Linear
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, l2_penalty
from .module import Module, ModuleDict, ModuleList, Sequential
from .optim import SGD, Adam, Optimizer, RMSprop
from .train import EarlyStopping, History, binary_accuracy, evaluate, fit, multiclass_accuracy

__all__ = [
    "SGD",
    "Adam",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "CrossEntropyLoss",
    "Dense",
    "Dropout",
    "EarlyStopping",
    "History",
    "LeakyReLU",
    "Linear",
    "MSELoss",
    "Module",
    "ModuleDict",
    "ModuleList",
    "Optimizer",
    "RMSprop",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Standardizer",
    "Tanh",
    "__version__",
    "binary_accuracy",
    "data",
    "evaluate",
    "export_onnx",
    "fit",
    "from_torch",
    "init",
    "l2_penalty",
    "load",
    "minibatches",
    "multiclass_accuracy",
    "progress",
    "save",
    "schedules",
    "search",
    "to_torch",
    "train_dev_test_split",
]
