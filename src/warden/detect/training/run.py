"""The fine-tune stage on its own: `python -m warden.detect.training.run [--data DIR] [--out DIR]`.

`warden train` runs the same stage first (resuming the same checkpoint), then exports and calibrates."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from warden.detect.training import data
from warden.detect.training.finetune import FinetuneConfig, finetune, finetune_rows
from warden.detect.training.labels import head_names

DEFAULT_WORK = data.REPO / "var" / "finetune"


def log_to(path: Path | None):  # type: ignore[no-untyped-def]
    def log(line: str) -> None:
        print(line, flush=True)
        if path is not None:
            with path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")

    return log


def run_finetune(data_dir: Path | None, work: Path, config: FinetuneConfig, log=print) -> Path:  # type: ignore[no-untyped-def]
    examples = data.load(data_dir)
    rows = finetune_rows(examples)
    names = head_names(examples)
    log(f"{len(examples)} examples; fine-tuning on {len(rows)} train rows; {len(names)} heads: {', '.join(names)}")
    return finetune(rows, names, work, config, log)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=DEFAULT_WORK)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        run_finetune(args.data, args.out, FinetuneConfig(), log_to(args.out / "train.log"))
    except KeyboardInterrupt as exc:
        print(exc, file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
