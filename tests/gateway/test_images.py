"""Image parts of chat messages and Responses input go to the image detectors with the text (the hash lists of
`warden.detect.images`, the service's own detector set), so a listed image blocks the request."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest
from sqlalchemy import select

from gateway.harness import Gateway, keywords, running
from imagegen import data_url, edits, scene
from warden.detect.images import pdq
from warden.detect.images.formats import parse
from warden.detect.images.hashes import HashDetector
from warden.detect.images.lists import import_list
from warden.detect.pipeline import DetectorSet
from warden.store import Database
from warden.store.tables import ContentImage, ContentItem

LISTED = scene(7)


@pytest.fixture
def gw(db: Database) -> Iterator[Gateway]:
    import_list(db, parse(f"{pdq.hash_image(LISTED).hex},known violent image"), name="gw-test", category="violence")
    with running(db, DetectorSet([keywords(), HashDetector(database_url=db.url)])) as env:
        yield env


def _parts(url: str) -> list[dict[str, object]]:
    return [{"type": "text", "text": "What is in this picture?"}, {"type": "image_url", "image_url": {"url": url}}]


def test_a_listed_image_blocks_the_chat_request_before_the_upstream(gw: Gateway) -> None:
    listed = data_url(edits(LISTED)["jpeg"], "JPEG")  # a re-encoded copy still matches
    raw = gw.client().chat.completions.with_raw_response.create(
        model="m", messages=[{"role": "user", "content": _parts(listed)}], user="mo")  # type: ignore[misc]
    answer = raw.parse()
    assert gw.received == []
    assert answer.choices[0].finish_reason == "content_filter"
    assert answer.model_extra is not None and answer.model_extra["warden"]["rules"] == ["gw.violence"]
    with gw.db.transaction() as s:  # recorded through the lifecycle as a mixed submission, the image as a hash
        item = s.execute(select(ContentItem).where(ContentItem.content_type == "mixed")).scalar_one()
        assert s.execute(select(ContentImage).where(ContentImage.content_id == item.id)).scalars().all()


def test_an_unlisted_image_passes_and_reaches_the_upstream(gw: Gateway) -> None:
    answer = gw.client().chat.completions.create(
        model="m", messages=[{"role": "user", "content": _parts(data_url(scene(8)))}], user="mo")  # type: ignore[misc]
    assert answer.choices[0].finish_reason == "stop" and len(gw.received) == 1


def test_a_listed_input_image_blocks_a_responses_request(gw: Gateway) -> None:
    items = [{"role": "user", "content": [{"type": "input_text", "text": "Describe this."},
                                          {"type": "input_image", "image_url": data_url(LISTED)}]}]
    answer = gw.client().responses.create(model="m", input=items, user="mo")  # type: ignore[arg-type]
    assert answer.status == "incomplete" and gw.received == []


def test_a_bad_image_is_a_400_naming_the_part(gw: Gateway) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        gw.client().chat.completions.create(
            model="m", messages=[{"role": "user", "content": _parts("ftp://example.invalid/x.png")}],  # type: ignore[misc]
            user="mo")
    assert caught.value.param == "messages[0].content[1].image_url"
    assert gw.received == []
