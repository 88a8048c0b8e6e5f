"""Benchmark: how well toolkit/form/figures.py reads the figures stated in real published reports.

Runs `stated_figures` over the hand-labelled opening sections in tests/reference/prose (index.toml)
and prints, per figure family, precision (extracted figures equal to the hand label / all extracted)
and recall (hand-labelled figures extracted with the right value / all labelled), for the whole
corpus and for each split ("dev": read while the extractor was written; "holdout": labelled by hand
before the extractor first ran on it). Then compares the stated figures with the table figures
where a page shows both, as the text-vs-table rules will.

Run with `.venv/bin/python bench/figures_accuracy.py [--split dev|holdout] [--misses]`. Targets
(issue 15): no false figure on reports whose tables agree with their text; recall at least 90% for
new applications and 80% for the other figures.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from toolkit.form.figures import agrees, parse_families, stated_figures

ROOT = Path(__file__).resolve().parent.parent
PROSE = ROOT / "tests" / "reference" / "prose"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--split",
        choices=("dev", "holdout", "holdout2", "holdout3", "holdout4", "holdout5", "holdout6"),
        help="only this part of the corpus",
    )
    parser.add_argument("--misses", action="store_true", help="list every miss and false figure")
    args = parser.parse_args()
    reports = tomllib.loads((PROSE / "index.toml").read_text(encoding="utf-8"))["report"]
    if args.split:
        reports = [r for r in reports if r.get("split", "dev") == args.split]
    families = parse_families(
        (ROOT / "templates" / "gov-info-2021-figures.toml").read_text(encoding="utf-8")
    )

    labelled, extracted, correct = Counter(), Counter(), Counter()
    false_on_agreeing, warned, compared = 0, [], 0
    for report in reports:
        text = (PROSE / report["file"]).read_text(encoding="utf-8")
        found = stated_figures(text, report["year"])
        got = {f.family: f.value for f in found}
        labels = {k: float(v) for k, v in report.get("stated", {}).items()}
        labelled.update(labels.keys())
        extracted.update(got.keys())
        correct.update(k for k, v in got.items() if labels.get(k) == v)
        false = {k: v for k, v in got.items() if labels.get(k) != v}
        if false and report.get("tables_agree", True):
            false_on_agreeing += len(false)
        if args.misses:
            missed = {k: v for k, v in labels.items() if got.get(k) != v}
            if missed or false:
                print(f"{report['file']}: missed {missed} false {false}")
        table = {k: float(v) for k, v in report.get("table", {}).items()}
        for figure in found if table else ():
            verdict = agrees(figure, families[figure.family], table)
            compared += verdict is not None
            if verdict is False:
                warned.append(
                    f"{report['file']}: {figure.family} {figure.value:g} «{figure.sentence}»"
                )

    print(
        f"reports: {len(reports)}  labelled figures: {labelled.total()}  extracted: {extracted.total()}"
    )
    print()
    print(f"| {'family':<20} | labelled | extracted | correct | precision | recall |")
    print(f"|{'-' * 22}|----------|-----------|---------|-----------|--------|")
    for family in sorted(set(labelled) | set(extracted), key=lambda k: (-labelled[k], k)):
        precision = correct[family] / extracted[family] if extracted[family] else float("nan")
        recall = correct[family] / labelled[family] if labelled[family] else float("nan")
        print(
            f"| {family:<20} | {labelled[family]:>8} | {extracted[family]:>9} | "
            f"{correct[family]:>7} | {precision:>9.0%} | {recall:>6.0%} |"
        )
    others = [k for k in labelled if k != "new"]
    other_recall = sum(correct[k] for k in others) / max(1, sum(labelled[k] for k in others))
    print()
    print(f"new applications: recall {correct['new'] / max(1, labelled['new']):.0%} (target 90%)")
    print(f"other figures:    recall {other_recall:.0%} (target 80%)")
    print(f"all:              precision {correct.total() / max(1, extracted.total()):.0%}")
    print(
        f"false figures on reports whose tables agree with their text: {false_on_agreeing} (target 0)"
    )
    print(f"stated figures compared with the page's tables: {compared}, disagreeing: {len(warned)}")
    for line in warned:
        print(f"  {line}")


if __name__ == "__main__":
    main()
