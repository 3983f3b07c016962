"""The remote moderation client and the LLM judge against small fake servers; prototype rules."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from warden.detect.embedded.encoders import StaticEncoder
from warden.detect.judge import JudgeDetector
from warden.detect.protocol import ContentPart, DetectorError
from warden.detect.prototypes import PrototypeDetector, PrototypeRule, load_rules
from warden.detect.remote import RemoteModerationDetector
from warden.policy import PolicyLibrary, load_pack
from warden.policy.layering import EffectivePolicy

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "mini-pack.yaml"


def fake_moderation_server(seen: list[dict[str, object]]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path != "/v1/moderations":
            return httpx.Response(404, json={"error": {"message": "no route", "type": "not_found_error"}})
        if request.headers.get("authorization") != "Bearer sekrit":
            return httpx.Response(401, json={"error": {"message": "bad key", "type": "authentication_error"}})
        body = json.loads(request.content)
        seen.append(body)
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        if inputs and isinstance(inputs[0], dict):
            inputs = [" ".join(p.get("text", "") for p in inputs)]
        results = [
            {
                "flagged": "hate" in t,
                "categories": {"hate": "hate" in t, "violence": False},
                "category_scores": {"hate": 0.97 if "hate" in t else 0.01, "violence": 0.02, "vendor-x": 0.5},
                "category_applied_input_types": {"hate": ["text"], "violence": ["text"]},
            }
            for t in inputs
        ]
        return httpx.Response(200, json={"id": "modr-1", "model": body.get("model"), "results": results})

    return httpx.MockTransport(handler)


def test_remote_client_maps_scores_and_batches() -> None:
    seen: list[dict[str, object]] = []
    detector = RemoteModerationDetector(
        base_url="http://vendor.test/v1", api_key="sekrit", batch_size=2, transport=fake_moderation_server(seen)
    )
    contents = [
        "I hate you",
        "hello",
        "nice",
        [ContentPart("text", text="hate"), ContentPart("image_url", image_url="https://x/y.png")],
    ]
    out = detector.detect(contents)
    assert [len(b["input"]) for b in seen] == [2, 1, 2]  # two batches of strings, then the parts
    assert seen[2]["input"][1] == {"type": "image_url", "image_url": {"url": "https://x/y.png"}}  # type: ignore[index]
    scores = [{s.category: s.score for s in signals} for signals in out]
    assert scores[0]["hate"] == 0.97 and scores[1]["hate"] == 0.01 and scores[3]["hate"] == 0.97
    assert all("vendor-x" not in s for s in scores)  # names outside the taxonomy are dropped
    assert out[0][0].detector == "openai-compatible@omni-moderation-latest"


def test_remote_client_errors() -> None:
    bad_key = RemoteModerationDetector(
        base_url="http://vendor.test/v1", api_key="nope", transport=fake_moderation_server([])
    )
    with pytest.raises(DetectorError, match="401: bad key"):
        bad_key.detect(["x"])
    with pytest.raises(ValueError, match="needs base_url"):
        RemoteModerationDetector(base_url="")


@pytest.fixture
def mini_policy() -> EffectivePolicy:
    return PolicyLibrary([load_pack(MINI)]).effective(packs=["mini"])


def fake_chat_server(answer: str, prompts: list[str]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/chat/completions"
        body = json.loads(request.content)
        prompts.append(body["messages"][0]["content"])
        user = body["messages"][1]["content"]
        content = answer if "bad" in user else '{"violations": [], "rationale": "fine"}'
        return httpx.Response(200, json={"choices": [{"message": {"role": "assistant", "content": content}}]})

    return httpx.MockTransport(handler)


def test_judge_renders_policy_and_parses_verdict(mini_policy: EffectivePolicy) -> None:
    prompts: list[str] = []
    answer = 'Sure.\n```json\n{"violations": [{"rule_id": "mini.hate", "confidence": 0.8}, {"rule_id": "made.up"}], "rationale": "slur"}\n```'
    judge = JudgeDetector(
        base_url="http://llm.test/v1", policy=mini_policy, transport=fake_chat_server(answer, prompts)
    )
    [bad, good] = judge.detect(["something bad", "something nice"])
    assert [(s.category, s.score) for s in bad] == [("hate", 0.8)]
    assert "mini.hate" in bad[0].evidence[0].detail and "slur" in bad[0].evidence[0].detail
    assert good == []
    assert "mini.hate: No hate. Hateful content is not allowed. [hate]" in prompts[0]
    assert mini_policy.revision in prompts[0]
    assert "mini.kids" not in prompts[0]  # condition-only and other-surface rules are not the judge's business


def test_judge_understands_llama_guard(mini_policy: EffectivePolicy) -> None:
    judge = JudgeDetector(base_url="http://llm.test/v1", policy=mini_policy,
                          transport=fake_chat_server("unsafe\nS10,S1", []))  # fmt: skip
    [signals] = judge.detect(["bad words"])
    assert {s.category for s in signals} == {"hate", "illicit/violent"}


def test_judge_rejects_garbage(mini_policy: EffectivePolicy) -> None:
    judge = JudgeDetector(
        base_url="http://llm.test/v1", policy=mini_policy, transport=fake_chat_server("I think so", [])
    )
    with pytest.raises(DetectorError, match="not a verdict"):
        judge.detect(["bad"])


@pytest.fixture(scope="module")
def static() -> StaticEncoder:
    return StaticEncoder()


def test_prototype_rule_scores_by_nearest_examples(static: StaticEncoder) -> None:
    rule = PrototypeRule(
        category="gambling",
        name="no-betting-tips",
        positives=["best odds for tonight's football bets", "which horse should I bet on to win money",
                   "tips for winning at online casino slots"],
        negatives=["what time does the football match start", "how do I care for a horse",
                   "history of the casino building in Monaco"],
    )  # fmt: skip
    detector = PrototypeDetector([rule], encoder=static)
    [[bet], [care]] = detector.detect(
        ["give me betting odds so I can win money on the match", "how often should I feed my horse"]
    )
    assert bet.category == "gambling" and bet.score > 0.5
    assert care.score < 0.5
    assert "no-betting-tips" in bet.evidence[0].detail


def test_prototype_rules_from_yaml(tmp_path: Path, static: StaticEncoder) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n  - category: spam\n    positives: [buy now]\n")
    assert load_rules(path)[0].category == "spam"
    path.write_text("rules:\n  - category: nonsense\n    positives: [x]\n")
    with pytest.raises(ValueError, match="unknown category"):
        PrototypeDetector(path=path, encoder=static)
