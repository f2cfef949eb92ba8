"""Score the extractor against a folder of gold pairs (NAME.txt + NAME.json).

    python -m sources.attribution.score GOLD_DIR [--json]

Alignment: each gold sentence is matched to the predicted claim with the largest
character overlap; it counts as covered when that overlap is at least half of
the longer of the two spans. Predicted claims that cover no gold sentence this
way are *spurious*.

Level correctness: a prediction is correct when it equals the gold
``attribution`` or is listed in ``also_ok`` (rule 2: a fair second reading).
Accuracy is over all gold sentences (an uncovered sentence is wrong). Macro-F1
averages per-level F1 over the levels that occur; for each sentence the
"effective gold" is the predicted level when it is acceptable, else the gold
``attribution``; uncovered sentences are false negatives.

Speaker token-F1 is micro-averaged over gold sentences: tokens are lower-cased
words (``\\w+``); precision = shared tokens / predicted speaker tokens, recall =
shared tokens / gold speaker tokens (uncovered sentences count as missed).
Sentences where both speakers are null add nothing.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

_TOKEN_RE = re.compile(r"\w+")


def _tokens(s: str | None) -> Counter:
    return Counter(_TOKEN_RE.findall(s.lower())) if s else Counter()


def align(gold: list[dict], pred: list[dict]) -> tuple[list[int | None], set[int]]:
    """For each gold sentence the index of its predicted claim (or None), and the
    indices of spurious predictions."""
    matches: list[int | None] = []
    used: set[int] = set()
    for g in gold:
        best, best_ov = None, 0
        for k, p in enumerate(pred):
            ov = min(g["end"], p["end"]) - max(g["start"], p["start"])
            if ov > best_ov:
                best, best_ov = k, ov
        if best is not None:
            p = pred[best]
            longer = max(g["end"] - g["start"], p["end"] - p["start"])
            if best_ov * 2 >= longer:
                matches.append(best)
                used.add(best)
                continue
        matches.append(None)
    spurious = set(range(len(pred))) - used
    return matches, spurious


class Tally:
    def __init__(self) -> None:
        self.n = 0
        self.correct = 0
        self.covered = 0
        self.spurious = 0
        self.n_pred = 0
        self.tp: Counter = Counter()
        self.fp: Counter = Counter()
        self.fn: Counter = Counter()
        self.sp_common = 0
        self.sp_pred = 0
        self.sp_gold = 0
        self.errors: list[dict] = []

    def add(self, name: str, gold: list[dict], pred: list[dict]) -> None:
        matches, spurious = align(gold, pred)
        self.n_pred += len(pred)
        self.spurious += len(spurious)
        for g, k in zip(gold, matches):
            self.n += 1
            ok_levels = {g["attribution"], *g.get("also_ok", [])}
            gt = _tokens(g.get("speaker"))
            self.sp_gold += sum(gt.values())
            if k is None:
                self.fn[g["attribution"]] += 1
                self.errors.append({"article": name, "start": g["start"], "gold": g["attribution"], "pred": None,
                                    "text": g["text"][:100]})
                continue
            p = pred[k]
            self.covered += 1
            level = p["attribution_level"]
            eff = level if level in ok_levels else g["attribution"]
            if level in ok_levels:
                self.correct += 1
                self.tp[level] += 1
            else:
                self.fp[level] += 1
                self.fn[eff] += 1
                self.errors.append({"article": name, "start": g["start"], "gold": g["attribution"],
                                    "also_ok": g.get("also_ok", []), "pred": level,
                                    "speaker": p.get("speaker"), "reason": p.get("reason", ""),
                                    "text": g["text"][:100]})
            pt = _tokens(p.get("speaker"))
            self.sp_pred += sum(pt.values())
            self.sp_common += sum((gt & pt).values())

    def summary(self) -> dict:
        levels = sorted(set(self.tp) | set(self.fp) | set(self.fn))
        per_level = {}
        f1s = []
        for lv in levels:
            tp, fp, fn = self.tp[lv], self.fp[lv], self.fn[lv]
            prec = tp / (tp + fp) if tp + fp else 0.0
            rec = tp / (tp + fn) if tp + fn else 0.0
            f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
            per_level[lv] = {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4),
                             "support": tp + fn}
            f1s.append(f1)
        sp_p = self.sp_common / self.sp_pred if self.sp_pred else (1.0 if not self.sp_gold else 0.0)
        sp_r = self.sp_common / self.sp_gold if self.sp_gold else (1.0 if not self.sp_pred else 0.0)
        sp_f1 = 2 * sp_p * sp_r / (sp_p + sp_r) if sp_p + sp_r else 0.0
        return {
            "sentences": self.n,
            "predicted": self.n_pred,
            "accuracy": round(self.correct / self.n, 4) if self.n else 0.0,
            "macro_f1": round(sum(f1s) / len(f1s), 4) if f1s else 0.0,
            "coverage": round(self.covered / self.n, 4) if self.n else 0.0,
            "speaker_token_f1": round(sp_f1, 4),
            "spurious": self.spurious,
            "per_level": per_level,
        }


def gold_pairs(folder: Path) -> list[tuple[str, Path, dict]]:
    pairs = []
    for js in sorted(folder.glob("*.json")):
        txt = js.with_suffix(".txt")
        if not txt.exists():
            continue
        gold = json.loads(js.read_text(encoding="utf-8"))
        if "sentences" not in gold:
            continue
        pairs.append((js.stem, txt, gold))
    return pairs


def score_folder(folder: Path, extract_many=None) -> dict:
    """Run the extractor over every gold pair in ``folder``; return the report."""
    if extract_many is None:
        from .extractor import extract_many
    pairs = gold_pairs(Path(folder))
    texts = [(txt.read_text(encoding="utf-8", errors="replace"), gold.get("publisher")) for _n, txt, gold in pairs]
    overall = Tally()
    articles = {}
    for (name, _txt, gold), claims in zip(pairs, extract_many(texts)):
        pred = [c.as_dict() if hasattr(c, "as_dict") else c for c in claims]
        t = Tally()
        t.add(name, gold["sentences"], pred)
        overall.add(name, gold["sentences"], pred)
        articles[name] = t.summary()
        articles[name].pop("per_level")
    report = {"articles": articles, "overall": overall.summary(), "errors": overall.errors}
    return report


def _print_table(report: dict, out) -> None:
    head = f"{'article':<12} {'sent':>5} {'pred':>5} {'acc':>6} {'macroF1':>8} {'cover':>6} {'spkF1':>6} {'spur':>5}"
    print(head, file=out)
    rows = list(report["articles"].items()) + [("OVERALL", report["overall"])]
    for name, s in rows:
        print(f"{name:<12} {s['sentences']:>5} {s['predicted']:>5} {s['accuracy']:>6.3f} {s['macro_f1']:>8.3f} "
              f"{s['coverage']:>6.3f} {s['speaker_token_f1']:>6.3f} {s['spurious']:>5}", file=out)
    print("\nper level (overall):", file=out)
    for lv, d in report["overall"]["per_level"].items():
        print(f"  {lv:<13} P={d['precision']:.3f} R={d['recall']:.3f} F1={d['f1']:.3f} n={d['support']}", file=out)
    if report["errors"]:
        print("\nlevel errors:", file=out)
        for e in report["errors"]:
            print(f"  {e['article']}@{e['start']}: gold={e['gold']} {e.get('also_ok', [])} pred={e['pred']} "
                  f"| {e['text']}", file=out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sources.attribution.score", description=__doc__.split("\n\n")[0])
    ap.add_argument("gold_dir", type=Path)
    ap.add_argument("--json", action="store_true", help="print the report as one JSON object")
    args = ap.parse_args(argv)
    if not args.gold_dir.is_dir():
        print(f"error: {args.gold_dir} is not a directory", file=sys.stderr)
        return 2
    if not gold_pairs(args.gold_dir):
        print(f"error: no NAME.txt + NAME.json gold pairs in {args.gold_dir}", file=sys.stderr)
        return 2
    report = score_folder(args.gold_dir)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        _print_table(report, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
