"""handout: personalized, print-ready patient leaflets about breast calcifications."""

from __future__ import annotations

__version__ = "0.1.0"

from handout.api import generate_leaflet, render_leaflet_bytes
from handout.batch import generate_batch
from handout.errors import HandoutError

__all__ = [
    "HandoutError",
    "__version__",
    "generate_batch",
    "generate_leaflet",
    "render_leaflet_bytes",
]
