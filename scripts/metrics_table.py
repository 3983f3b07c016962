"""Print the dev-split tables of docs/model-card.md from src/warden/detect/model/metrics.json.

Usage: .venv/bin/python scripts/metrics_table.py [metrics.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

DEFAULT = Path(__file__).resolve().parents[1] / "src/warden/detect/model/metrics.json"


def main() -> None:
    metrics = json.loads(Path(sys.argv[1] if len(sys.argv) > 1 else DEFAULT).read_text())
    dev = metrics["dev"]
    print(f"band {metrics['band']}, dev escalation {metrics['dev_escalation']:.1%}, split {metrics['split']}\n")
    columns = ["head", "train positives", "dev support", "static F1", "MiniLM F1"]
    columns += ["cascade P", "cascade R", "cascade F1", "cascade FPR"]
    print("| " + " | ".join(columns) + " |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, row in dev["cascade"].items():
        pos = metrics["train_positives"].get(name, "—")
        print(
            f"| {name} | {pos} | {row['support']} | {dev['static'][name]['f1']:.3f} | {dev['minilm'][name]['f1']:.3f} "
            f"| {row['precision']:.3f} | {row['recall']:.3f} | **{row['f1']:.3f}** | {row['fpr']:.3f} |"
        )


if __name__ == "__main__":
    main()
