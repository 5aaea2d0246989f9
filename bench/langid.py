"""Language-identification benchmark: routing.language.detect against raw langdetect.

Prints accuracy per language and kind, the most frequent confusions, macro averages and the
time per text of both detectors, measured in the same run on the labelled dev data
(`<data>/<kind>/<tag>.txt`, one text a line). A Chinese item whose Simplified and Traditional
forms are identical (same line in zh-Hans.txt and zh-Hant.txt) counts as right with either tag.
Then long texts: each language's sentences joined into texts of LONG_CHARS characters, timed
through detect() (which reads a bounded sample of them) and checked for the right language.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from langdetect import DetectorFactory, LangDetectException
from langdetect import detect as langdetect_detect

from routing.language import detect, preload

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared/data/langid/dev"
CHINESE = frozenset({"zh-Hans", "zh-Hant"})
LANGDETECT_TAGS = {"zh-cn": "zh-Hans", "zh-tw": "zh-Hant"}
LONG_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class Item:
    text: str
    accepted: frozenset[str]


@dataclass
class Tally:
    """Right answers per language, confusions and time spent for one detector on one kind."""

    right: Counter[str] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    seconds: float = 0.0

    def accuracy(self, tag: str) -> float:
        return self.right[tag] / self.total[tag] if self.total[tag] else 0.0

    def macro(self) -> float:
        return sum(self.accuracy(tag) for tag in self.total) / len(self.total)

    def ms_per_text(self) -> float:
        return 1000 * self.seconds / max(1, sum(self.total.values()))


def load_items(folder: Path, limit: int | None) -> dict[str, list[Item]]:
    lines = {
        path.stem: path.read_text(encoding="utf-8").splitlines()[:limit]
        for path in sorted(folder.glob("*.txt"))
    }
    simplified, traditional = lines.get("zh-Hans", []), lines.get("zh-Hant", [])
    same_in_both = {s for s, t in zip(simplified, traditional, strict=False) if s == t}
    return {
        tag: [
            Item(text, CHINESE if tag in CHINESE and text in same_in_both else frozenset({tag}))
            for text in texts
            if text.strip()
        ]
        for tag, texts in lines.items()
    }


def run_langdetect(text: str) -> str:
    try:
        found = langdetect_detect(text)
    except LangDetectException:
        return "und"
    return LANGDETECT_TAGS.get(found, found)


def run_meridian(text: str) -> str:
    return detect(text).language


def measure(detector: Callable[[str], str], items: dict[str, list[Item]]) -> Tally:
    tally = Tally()
    clock = time.perf_counter
    for tag, tag_items in items.items():
        for item in tag_items:
            started = clock()
            found = detector(item.text)
            tally.seconds += clock() - started
            tally.total[tag] += 1
            if found in item.accepted:
                tally.right[tag] += 1
            else:
                tally.confusions[tag, found] += 1
    return tally


def report(kind: str, ours: Tally, raw: Tally, confusions: int) -> None:
    print(f"\n== {kind} ==")
    print(f"{'language':10} {'meridian':>9} {'langdetect':>11}")
    for tag in sorted(ours.total):
        print(f"{tag:10} {ours.accuracy(tag):9.3f} {raw.accuracy(tag):11.3f}")
    print("most frequent confusions (meridian): expected -> detected, count")
    for (expected, found), count in ours.confusions.most_common(confusions):
        print(f"  {expected:8} -> {found:8} {count:4}")
    for tag in sorted(CHINESE & set(ours.total)):
        print(
            f"{kind} {tag}: meridian {ours.accuracy(tag):.3f}, langdetect {raw.accuracy(tag):.3f}"
        )
    ratio = ours.ms_per_text() / raw.ms_per_text()
    print(
        f"{kind} macro accuracy: meridian {ours.macro():.4f}, langdetect {raw.macro():.4f}; "
        f"ms per text: meridian {ours.ms_per_text():.3f}, langdetect {raw.ms_per_text():.3f} "
        f"(ratio {ratio:.2f})"
    )


def long_texts(items: dict[str, list[Item]], texts_per_tag: int) -> dict[str, list[Item]]:
    """Per language, texts of LONG_CHARS characters made of its sentences, each from a
    different starting sentence."""
    long: dict[str, list[Item]] = {}
    for tag, tag_items in items.items():
        sentences = [item.text for item in tag_items]
        step = max(1, len(sentences) // texts_per_tag)
        texts = []
        for start in range(0, step * texts_per_tag, step):
            rotated = sentences[start:] + sentences[:start]
            repeats = LONG_CHARS // max(1, len(" ".join(rotated))) + 1
            texts.append(" ".join(rotated * repeats)[:LONG_CHARS])
        long[tag] = [Item(text, frozenset({tag})) for text in texts]
    return long


def report_long(tally: Tally) -> None:
    wrong = ", ".join(f"{e}->{f} {n}" for (e, f), n in tally.confusions.most_common()) or "none"
    print(
        f"\nlong texts ({LONG_CHARS} characters, {sum(tally.total.values())} texts): "
        f"meridian macro accuracy {tally.macro():.4f}, {tally.ms_per_text():.2f} ms per text; "
        f"wrong: {wrong}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="folder of <kind>/<tag>.txt"
    )
    parser.add_argument("--limit", type=int, default=None, help="items per file (default: all)")
    parser.add_argument("--confusions", type=int, default=15, help="confusion pairs to list")
    parser.add_argument(
        "--long-texts", type=int, default=5, help="long texts per language (0: none)"
    )
    args = parser.parse_args(argv)

    DetectorFactory.seed = 0
    run_langdetect("warm up")
    started = time.perf_counter()
    preload()
    print(f"meridian profiles and word lists loaded in {time.perf_counter() - started:.2f} s")
    kinds = sorted(path for path in args.data.iterdir() if path.is_dir())
    for folder in kinds:
        items = load_items(folder, args.limit)
        ours = measure(run_meridian, items)
        raw = measure(run_langdetect, items)
        report(folder.name, ours, raw, args.confusions)
        if folder.name == "sentences" and args.long_texts:
            report_long(measure(run_meridian, long_texts(items, args.long_texts)))


if __name__ == "__main__":
    main()
