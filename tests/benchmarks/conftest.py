"""Make the repository root importable, so ``import benchmarks`` works under plain ``pytest``.

(``benchmarks/`` is not an installed package; ``python -m pytest`` from the root finds it
anyway, the ``pytest`` script does not.)
"""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
