"""Keep a leaflet within its page budget: one duplex sheet at easy and standard, two at detailed.

A leaflet that fits in the level's own layout is printed as it is. One that runs over (a booked
date, the density statement, a clinic's longer address or extra questions) is laid out again a
little tighter (styles.FIT_STEPS: less space between blocks, then 1.2 line spacing and smaller
pictures; body text stays at 12 pt or more), and the first layout that fits is kept. A third page
is a second sheet of paper per patient and a leaflet that is more often left behind, so trading a
few points of white space for it is worth it. When even the tightest layout does not fit, the
level's own layout is printed and `handout validate` reports the combination.

Large print has no budget: it is meant to take more pages.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from handout.document import Document
from handout.pdf import RenderOptions, render_pdf
from handout.styles import FIT_STEPS

#: Pages a leaflet may use at each reading level (outside large print).
PAGE_BUDGET = {"easy": 2, "standard": 2, "detailed": 4}


@dataclass(frozen=True)
class Fitted:
    """A laid-out leaflet, its page count and the options (with the fit step) that made it."""

    pdf: bytes
    pages: int
    options: RenderOptions
    level: str

    @property
    def within_budget(self) -> bool:
        budget = page_budget(self.level, self.options)
        return budget is None or self.pages <= budget


def page_budget(level: str, options: RenderOptions) -> int | None:
    """The most pages a leaflet may take, or None when there is no limit (large print)."""
    return None if options.large_print else PAGE_BUDGET.get(level)


def render_fitted(doc: Document, level: str, page_size: str, options: RenderOptions) -> Fitted:
    """The leaflet in the loosest layout that keeps it within its page budget."""
    pdf, pages = render_pdf(doc, level, page_size, options)
    budget = page_budget(level, options)
    first = Fitted(pdf, pages, options, level)
    if budget is None or pages <= budget:
        return first
    for step in range(1, len(FIT_STEPS)):
        tighter = replace(options, fit=step)
        pdf, pages = render_pdf(doc, level, page_size, tighter)
        if pages <= budget:
            return Fitted(pdf, pages, tighter, level)
    return first
