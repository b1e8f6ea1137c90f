"""Benchmark `handout batch` against bare ReportLab, on this machine, in one run.

Measures what issue 4 asks for and prints one table:

1. per-leaflet wall time of the library API (`Engine.render`) against a baseline written here with
   bare ReportLab platypus that lays out a leaflet of the same length, fonts and pictures
   (target: ratio <= 1.3);
2. batch throughput for N rows with --jobs 1 and --jobs 2 (target: speed-up >= 1.8 on 2 cores);
3. peak RSS for N and 10 x N rows (target: flat within 20 %);
4. the print file (--merge) for N leaflets against the sum of the N single files (target <= 0.15).

Usage:  python benchmarks/bench_batch.py [--quick] [--rows N] [--big-rows N] [--json FILE]

`--quick` uses 200 / 2,000 rows and fewer timing rounds (about a minute); the full run uses 1,000 /
10,000 rows (several minutes). Every batch runs in a fresh interpreter, as `handout batch` would,
so its time includes start-up, worker start and writing files.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a source checkout without installing
    sys.path.insert(0, str(ROOT))

from reportlab.graphics.shapes import Drawing  # noqa: E402
from reportlab.lib import colors  # noqa: E402
from reportlab.lib.pagesizes import LETTER  # noqa: E402
from reportlab.lib.styles import ParagraphStyle  # noqa: E402
from reportlab.lib.units import inch  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402
from reportlab.platypus import (  # noqa: E402
    BaseDocTemplate,
    Frame,
    KeepTogether,
    ListFlowable,
    ListItem,
    PageTemplate,
    Table,
    TableStyle,
)
from reportlab.platypus import Paragraph as RLParagraph  # noqa: E402

from handout.api import Engine  # noqa: E402
from handout.document import iter_text  # noqa: E402
from handout.fonts import register_fonts  # noqa: E402
from handout.pdf import build_story  # noqa: E402
from handout.settings import LeafletRequest, Patient, Settings, bundled_root  # noqa: E402

FIRST_NAMES = ["Maria", "Ana", "Łucja", "Nguyễn Thị", "Olga", "Zoë", "Fatima", "Mei", "Aroha"]
LAST_NAMES = ["López", "Okafor", "Kowalska", "Hoa", "Ivanova", "Smith", "Haddad", "Chen", "Ngata"]


# --------------------------------------------------------------------------- set-up


def pick_settings() -> tuple[Settings, str, str]:
    """Bundled content if it loads (the real leaflet), else the test fixture project."""
    bundled = Settings.bundled()
    try:
        engine = Engine(bundled)
        engine.render(LeafletRequest(finding="probably-benign-calcifications", lang="en"))
        return bundled, "probably-benign-calcifications", "bundled content"
    except Exception as err:  # noqa: BLE001 - fall back and say so in the table
        print(
            f"bundled content unusable ({type(err).__name__}); using the fixture", file=sys.stderr
        )
    fixture = ROOT / "tests" / "fixtures" / "project"
    settings = Settings(
        content_dirs=(fixture / "content",), template_dirs=(bundled_root() / "templates",)
    )
    return settings, "tiny-spots", "test fixture"


def patient(i: int) -> Patient:
    name = f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {LAST_NAMES[(i * 7) % len(LAST_NAMES)]}"
    day = dt.date(2026, 11, 1) + dt.timedelta(days=i % 25)
    return Patient(name=name, exam_date=day, side=("left", "right", "both")[i % 3])


def write_worklist(path: Path, rows: int, engine: Engine, main_finding: str) -> None:
    """Rows cycling through findings, languages and levels, as a clinic's day would."""
    findings = list(engine.library.catalog.findings)
    languages = [lang for lang in ("en", "es") if lang in engine.library.available_languages()]
    usable = []
    for finding in findings:
        for lang in languages:
            try:
                engine.render(LeafletRequest(finding=finding, lang=lang))
                usable.append((finding, lang))
            except Exception:  # noqa: BLE001, S112 - content still being written: skip it
                continue
    usable = usable or [(main_finding, "en")]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "finding", "lang", "level", "name", "exam_date", "side"])
        for i in range(rows):
            finding, lang = usable[i % len(usable)]
            p = patient(i)
            level = ("easy", "standard", "detailed")[(i // len(usable)) % 3]
            writer.writerow([f"ACC{i:07d}", finding, lang, level, p.name, p.exam_date, p.side])


# --------------------------------------------------------------------------- the baseline


def baseline_model(engine: Engine, request: LeafletRequest) -> dict[str, Any]:
    """The leaflet's words and pictures as plain values, prepared once (a bare script hard-codes
    them). Pictures are the same ReportLab Drawings handout draws, so both sides draw them."""
    document, _, _ = engine.document(request)
    _, story = build_story(document, request.level, LETTER[0] - 1.5 * inch)
    drawings: list[Drawing] = []

    def collect(flowables: list[Any]) -> None:
        for f in flowables:
            if isinstance(f, Drawing):
                drawings.append(f)
            elif isinstance(f, KeepTogether):
                collect(list(f._content))
            elif isinstance(f, Table):
                for row in f._cellvalues:
                    for cell in row:
                        collect(cell if isinstance(cell, list) else [cell])

    collect(story)
    items = [(kind, text) for kind, text in iter_text(document.blocks) if kind != "figure"]
    # Pictures go where the leaflet has them: after the item preceding each picture block.
    return {
        "items": items,
        "drawings": drawings,
        "header": document.header,
        "footer": document.footer,
        "title": document.title,
    }


register_fonts()
_BASE = ParagraphStyle("b", fontName="NotoSans", fontSize=12, leading=15.4, spaceAfter=3.5)
STYLES = {
    "title": ParagraphStyle("t", parent=_BASE, fontName="NotoSans-Bold", fontSize=18, leading=22),
    "heading": ParagraphStyle(
        "h",
        parent=_BASE,
        fontName="NotoSans-Bold",
        fontSize=14,
        leading=18,
        spaceBefore=7,
        keepWithNext=1,
    ),
    "body": _BASE,
    "small": ParagraphStyle("s", parent=_BASE, fontSize=8, leading=10),
    "bold": ParagraphStyle("bb", parent=_BASE, fontName="NotoSans-Bold"),
    "footer": ParagraphStyle("f", parent=_BASE, fontSize=8, leading=10),
}


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def baseline_pdf(model: dict[str, Any], name: str) -> tuple[bytes, int]:
    """Bare platypus: paragraphs, lists, a facts table, boxes as tables, the pictures, header and
    'Page X of Y' footer, NotoSans embedded, invariant output. No content files, templates,
    document model or font routing."""
    width = LETTER[0] - 1.5 * inch
    story: list[Any] = []
    pending: list[Any] = []
    facts: list[Any] = []
    box: list[Any] = []
    box_kind = ""
    drawings = list(model["drawings"])
    for drawing in drawings:
        # Platypus marks a flowable it pushed to the next page and refuses to push it twice;
        # the static drawings are reused across builds, so the mark is cleared.
        drawing.__dict__.pop("_postponed", None)
    every = max(1, len(model["items"]) // (len(drawings) + 1))

    def flush_list() -> None:
        if pending:
            story.append(ListFlowable([ListItem(p) for p in pending], bulletType="bullet"))
            pending.clear()

    def flush_box() -> None:
        nonlocal box_kind
        if box:
            table = Table([[list(box)]], colWidths=[width])
            table.setStyle(
                TableStyle(
                    [
                        ("BACKGROUND", (0, 0), (-1, -1), colors.whitesmoke),
                        ("BOX", (0, 0), (-1, -1), 1, colors.darkblue),
                    ]
                )
            )
            story.append(KeepTogether([table]))
            box.clear()
        box_kind = ""

    for index, (kind, text) in enumerate(model["items"]):
        if text.startswith(("Maria", "Ana")):  # the name row of the facts
            text = name
        base, _, inside = kind.partition("@")
        para = RLParagraph(_esc(text), STYLES.get(base.split(":")[-1], STYLES["body"]))
        if inside:
            if inside != box_kind:
                flush_box()
                box_kind = inside
            box.append(para)
            continue
        flush_box()
        if base in ("li", "step"):
            pending.append(para)
            continue
        flush_list()
        if base.startswith("fact"):
            facts.append(para)
            if len(facts) == 4:
                story.append(Table([facts[:]], colWidths=[width / 4] * 4))
                facts.clear()
            continue
        story.append(para)
        if drawings and index % every == every - 1:
            story.append(drawings.pop(0))
    flush_list()
    flush_box()
    story.extend(drawings)

    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf, pagesize=LETTER, invariant=1, initialFontName="NotoSans", title=model["title"]
    )
    frame = Frame(0.75 * inch, 0.75 * inch, width, LETTER[1] - 1.5 * inch, id="body")

    def header(canvas: Canvas, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("NotoSans-Bold", 10)
        canvas.drawString(0.75 * inch, LETTER[1] - 0.7 * inch, model["header"])
        canvas.line(
            0.75 * inch, LETTER[1] - 0.72 * inch, LETTER[0] - 0.75 * inch, LETTER[1] - 0.72 * inch
        )
        canvas.restoreState()

    doc.addPageTemplates([PageTemplate("p", [frame], onPage=header)])
    footer = model["footer"]

    class Numbered(Canvas):  # the usual ReportLab recipe for "Page X of Y"
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802
            self.pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            for number, state in enumerate(self.pages, start=1):
                self.__dict__.update(state)
                label = footer.replace("{page}", str(number)).replace(
                    "{pages}", str(len(self.pages))
                )
                para = RLParagraph(_esc(label), STYLES["footer"])
                _, h = para.wrap(width, 30)
                para.drawOn(self, 0.75 * inch, 0.75 * inch - h - 10)
                super().showPage()
            super().save()

    doc.build(story, canvasmaker=Numbered)
    return buf.getvalue(), doc.page


# --------------------------------------------------------------------------- measurements


def per_leaflet(settings: Settings, finding: str, rounds: int, n: int) -> dict[str, Any]:
    """Interleaved rounds of handout and baseline; ratio of medians per round, then the median."""
    engine = Engine(settings)
    request = LeafletRequest(finding=finding, lang="en", level="standard", patient=patient(0))
    model = baseline_model(engine, request)
    requests = [
        LeafletRequest(finding=finding, lang="en", level="standard", patient=patient(i))
        for i in range(n)
    ]
    names = [r.patient.name or "" for r in requests]
    for r in requests[:5]:
        engine.render(r)
        baseline_pdf(model, names[0])
    ours_ms, base_ms, ratios = [], [], []
    for _ in range(rounds):
        times = []
        for r in requests:
            t = time.perf_counter()
            engine.render(r)
            times.append(time.perf_counter() - t)
        base = []
        for name in names:
            t = time.perf_counter()
            baseline_pdf(model, name)
            base.append(time.perf_counter() - t)
        ours_ms.append(statistics.median(times) * 1000)
        base_ms.append(statistics.median(base) * 1000)
        ratios.append(ours_ms[-1] / base_ms[-1])
    leaflet = engine.render(requests[0])
    base_pdf, base_pages = baseline_pdf(model, names[0])
    return {
        "handout_ms": statistics.median(ours_ms),
        "baseline_ms": statistics.median(base_ms),
        "ratio": statistics.median(ratios),
        "ratios": ratios,
        "handout_pages": leaflet.pages,
        "baseline_pages": base_pages,
        "handout_bytes": len(leaflet.pdf),
        "baseline_bytes": len(base_pdf),
    }


def fit_cost(settings: Settings, finding: str, rounds: int, n: int) -> dict[str, Any]:
    """What keeping a leaflet on one sheet costs when it runs over (the density statement).

    handout lays such a leaflet out again, tighter, until it fits (handout.fit). Compared with
    laying it out once at the layout it ends up with; interleaved rounds, median of ratios.
    """
    from dataclasses import replace

    from handout.pdf import render_pdf

    engine = Engine(settings)
    requests = [
        LeafletRequest(
            finding=finding, lang="en", level="easy", density="dense", patient=patient(i)
        )
        for i in range(n)
    ]
    fit = engine.render(requests[0]).fit
    ratios, ours_ms, once_ms = [], [], []
    for _ in range(rounds):
        fitted, once = [], []
        for r in requests:
            t = time.perf_counter()
            engine.render(r)
            fitted.append(time.perf_counter() - t)
            t = time.perf_counter()
            doc, request, _ = engine.document(r)
            options = replace(engine.render_options(request), fit=fit)
            render_pdf(doc, request.level, request.page_size, options)
            once.append(time.perf_counter() - t)
        ours_ms.append(statistics.median(fitted) * 1000)
        once_ms.append(statistics.median(once) * 1000)
        ratios.append(ours_ms[-1] / once_ms[-1])
    return {
        "fit": fit,
        "fitted_ms": statistics.median(ours_ms),
        "once_ms": statistics.median(once_ms),
        "ratio": statistics.median(ratios),
    }


_CHILD = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
t0 = time.perf_counter()
from handout.batch import BatchOptions, generate_batch
from handout.settings import Settings
settings = Settings(content_dirs=tuple(map(Path, {content!r})),
                    template_dirs=tuple(map(Path, {templates!r})))
merge = Path({merge!r}) if {merge!r} else None
report = generate_batch(Path({worklist!r}), Path({out!r}), settings,
                        BatchOptions(jobs={jobs}, merge=merge, merge_chunk={chunk}))
wall = time.perf_counter() - t0
print(json.dumps({{
    "wall": wall, "written": report.count("written"), "failed": report.count("failed"),
    "self_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "child_rss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    "cpu": sum(getattr(resource.getrusage(who), f)
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for f in ("ru_utime", "ru_stime")),
    "merged": [[str(m.path), m.leaflets, m.pages] for m in report.merged],
}}))
"""


def run_batch(
    settings: Settings,
    worklist: Path,
    out: Path,
    jobs: int,
    merge: Path | None = None,
    chunk: int = 1000,
) -> dict[str, Any]:
    """One `generate_batch` in a fresh interpreter: wall time (incl. start-up) and peak RSS."""
    shutil.rmtree(out, ignore_errors=True)
    code = _CHILD.format(
        root=str(ROOT),
        content=[str(p) for p in settings.content_dirs],
        templates=[str(p) for p in settings.template_dirs],
        worklist=str(worklist),
        out=str(out),
        jobs=jobs,
        merge=str(merge) if merge else "",
        chunk=chunk,
    )
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_wall"] = wall
    result["rate"] = result["written"] / wall
    return result


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    import reportlab

    return (
        f"{os.cpu_count()} CPUs ({cpu}){mem}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, ReportLab {reportlab.Version}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 / 2,000 rows, fewer rounds")
    parser.add_argument("--rows", type=int, help="rows for throughput and print file")
    parser.add_argument("--big-rows", type=int, help="rows for the second memory point")
    parser.add_argument("--json", type=Path, help="also write the numbers as JSON")
    args = parser.parse_args()
    rows = args.rows or (200 if args.quick else 1000)
    big = args.big_rows or rows * 10
    rounds, n = (3, 20) if args.quick else (5, 40)

    settings, finding, source = pick_settings()
    print(f"# handout batch benchmark, {dt.date.today()}: {machine()}", file=sys.stderr)
    print(f"# leaflets from the {source}; {rows} / {big} rows", file=sys.stderr)
    results: dict[str, Any] = {
        "date": str(dt.date.today()),
        "machine": machine(),
        "source": source,
        "rows": rows,
        "big_rows": big,
    }

    print("measuring per-leaflet time ...", file=sys.stderr)
    results["leaflet"] = per_leaflet(settings, finding, rounds, n)
    print("measuring the cost of fitting an overlong leaflet ...", file=sys.stderr)
    results["fit"] = fit_cost(settings, finding, rounds, n)

    engine = Engine(settings)
    with tempfile.TemporaryDirectory(prefix="handout-bench-") as tmp:
        base = Path(tmp)
        worklist, big_worklist = base / "rows.csv", base / "big.csv"
        write_worklist(worklist, rows, engine, finding)
        write_worklist(big_worklist, big, engine, finding)
        print(f"batch of {rows}, --jobs 1 ...", file=sys.stderr)
        results["jobs1"] = run_batch(settings, worklist, base / "j1", 1)
        print(f"batch of {rows}, --jobs 2 ...", file=sys.stderr)
        results["jobs2"] = run_batch(settings, worklist, base / "j2", 2)
        print(f"batch of {rows} with --merge ...", file=sys.stderr)
        merged = run_batch(settings, worklist, base / "m", 2, base / "m" / "print.pdf", chunk=0)
        singles = sum(p.stat().st_size for p in (base / "m").glob("0*.pdf"))
        print_file = base / "m" / "print.pdf"
        results["merge"] = {
            **merged,
            "bytes": print_file.stat().st_size,
            "singles_bytes": singles,
            "ratio": print_file.stat().st_size / singles,
        }
        print(f"batch of {big}, --jobs 2 (memory) ...", file=sys.stderr)
        results["big"] = run_batch(settings, big_worklist, base / "big", 2)
        print(f"batch of {big} with --merge in parts of 1,000 (memory) ...", file=sys.stderr)
        results["big_merge"] = run_batch(
            settings, big_worklist, base / "bigm", 2, base / "bigm" / "print.pdf", chunk=1000
        )

    results["load"] = [round(x, 2) for x in os.getloadavg()]
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


def print_table(r: dict[str, Any]) -> None:
    leaf, j1, j2, m = r["leaflet"], r["jobs1"], r["jobs2"], r["merge"]
    mib = 1024  # ru_maxrss is in KiB on Linux
    rows = [
        (
            "1 per-leaflet ms: handout / bare platypus",
            f"{leaf['handout_ms']:.1f} / {leaf['baseline_ms']:.1f}",
            f"ratio {leaf['ratio']:.2f} (target <= 1.3)",
        ),
        (
            "  pages, bytes: handout / baseline",
            f"{leaf['handout_pages']}, "
            f"{leaf['handout_bytes']:,} / {leaf['baseline_pages']}, {leaf['baseline_bytes']:,}",
            "",
        ),
        (
            "  leaflet set tighter to fit (density box): with search / laid out once",
            f"{r['fit']['fitted_ms']:.1f} / {r['fit']['once_ms']:.1f} ms",
            f"ratio {r['fit']['ratio']:.2f} (layout step {r['fit']['fit']})",
        ),
        (
            f"2 {r['rows']} rows, --jobs 1",
            f"{j1['process_wall']:.1f} s, {j1.get('cpu', 0):.0f} CPU s",
            f"{j1['rate']:.1f} leaflets/s",
        ),
        (
            f"  {r['rows']} rows, --jobs 2",
            f"{j2['process_wall']:.1f} s, {j2.get('cpu', 0):.0f} CPU s",
            f"{j2['rate']:.1f} leaflets/s; speed-up {j1['process_wall'] / j2['process_wall']:.2f} "
            "(target >= 1.8)",
        ),
        (
            f"3 peak RSS, {r['rows']} rows (parent / worker)",
            f"{j2['self_rss'] / mib:.0f} / {j2['child_rss'] / mib:.0f} MiB",
            "",
        ),
        (
            f"  peak RSS, {r['big_rows']} rows (parent / worker)",
            f"{r['big']['self_rss'] / mib:.0f} / {r['big']['child_rss'] / mib:.0f} MiB",
            f"worker x{r['big']['child_rss'] / j2['child_rss']:.2f} (target within 1.2)",
        ),
        (
            f"  peak RSS, {r['big_rows']} rows + --merge, parts of 1,000",
            f"{r['big_merge']['self_rss'] / mib:.0f} / {r['big_merge']['child_rss'] / mib:.0f} MiB",
            "",
        ),
        (
            f"4 print file, {r['rows']} leaflets",
            f"{m['bytes']:,} B",
            f"{m['ratio']:.3f} x the {r['rows']} single files ({m['singles_bytes']:,} B; "
            "target <= 0.15)",
        ),
        (f"  {r['rows']} rows with --merge, --jobs 2", f"{m['process_wall']:.1f} s", ""),
    ]
    load = ", ".join(str(x) for x in r.get("load", []))
    print(f"\n{r['date']} | {r['machine']} | leaflets from the {r['source']}")
    print(f"load average at the end (1, 5, 15 min): {load}; 2.0 means both CPUs were busy\n")
    print("| measurement | value | result |")
    print("|---|---|---|")
    for name, value, note in rows:
        print(f"| {name} | {value} | {note} |")


if __name__ == "__main__":
    main()
