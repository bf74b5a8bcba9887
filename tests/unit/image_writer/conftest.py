"""tooling/ is not an installed package: put the checkout root on sys.path for these tests."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
