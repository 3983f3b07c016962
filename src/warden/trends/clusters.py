"""Emerging clusters: flagged or reported content of the last window, grouped in the detector's
embedding space and compared with the window before it.

The texts are embedded with the embedded detector's own encoder (`FineTunedEncoder`, unit
vectors), so "similar" means similar to the model that screens the traffic. Clustering is a
single incremental pass (leader clustering): each text joins the nearest cluster whose centroid
is within `join` cosine similarity, or starts a new one; a few reassignment rounds then move each
text to its nearest centroid. A cluster is then measured against the
previous window: how many of its texts were near its centroid then. A cluster with no
predecessor is *new*; `growth` is its size over its predecessor's. Reviewers name a new cluster
and turn its samples into a prototype rule (`WARDEN_PROTOTYPE_RULES`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from warden.enforce.principal import Permission, Principal
from warden.enforce.scoping import scoped
from warden.store.tables import ContentItem, DecisionRecord, Report

Matrix = NDArray[np.float32]
MAX_ITEMS = 2000  # per window: the newest, so a burst cannot make the view unbounded
EXCERPT = 160


class Embedder(Protocol):
    def encode(self, texts: Sequence[str]) -> Matrix: ...


def default_embedder() -> Embedder:
    from warden.detect.embedded.encoders import FineTunedEncoder

    return FineTunedEncoder(normalise=True)


class Item(BaseModel):
    content_id: str
    text: str
    created_at: dt.datetime
    source: str  # flagged | reported


def items(session: Session, principal: Principal, since: dt.datetime, until: dt.datetime,
          org_id: str | None = None) -> list[Item]:
    """Flagged or reported content created in [since, until), visible to the principal; sealed evidence
    (restricted content has no text) is never read."""
    flagged_q = (
        select(ContentItem).join(DecisionRecord, DecisionRecord.content_id == ContentItem.id)
        .where(DecisionRecord.verdict != "allow", DecisionRecord.created_at >= since, DecisionRecord.created_at < until,
               ContentItem.text.is_not(None), ContentItem.restricted.is_(False))
        .order_by(DecisionRecord.created_at.desc()).limit(MAX_ITEMS))
    reported_q = (
        select(ContentItem).join(Report, Report.subject_id == ContentItem.id)
        .where(Report.subject_type == "content", Report.created_at >= since, Report.created_at < until,
               ContentItem.text.is_not(None), ContentItem.restricted.is_(False))
        .order_by(Report.created_at.desc()).limit(MAX_ITEMS))
    flagged = scoped(flagged_q, ContentItem.org_id, principal, org_id)
    reported = scoped(reported_q, ContentItem.org_id, principal, org_id)
    found: dict[str, Item] = {}
    for query, source in ((flagged, "flagged"), (reported, "reported")):
        for content in session.execute(query).scalars():
            if content.id not in found and content.text:
                found[content.id] = Item(content_id=content.id, text=content.text, created_at=content.created_at,
                                         source=source)
    return list(found.values())[:MAX_ITEMS]


class Cluster(BaseModel):
    size: int
    previous: int  # texts of the previous window near this cluster's centroid
    new: bool
    growth: float  # size / max(previous, 1)
    cohesion: float  # mean similarity of its texts to the centroid
    samples: list[str]  # excerpts nearest the centroid
    content_ids: list[str]


class ClusterReport(BaseModel):
    since: dt.datetime
    until: dt.datetime
    window: dt.timedelta
    last_items: int
    previous_items: int
    clusters: list[Cluster]


def _leader(vectors: Matrix, join: float) -> list[list[int]]:
    centroids: list[NDArray[np.float32]] = []
    sums: list[NDArray[np.float32]] = []
    members: list[list[int]] = []
    for i, v in enumerate(vectors):
        if centroids:
            sims = np.stack(centroids) @ v
            best = int(np.argmax(sims))
            if sims[best] >= join:
                members[best].append(i)
                sums[best] = sums[best] + v
                centroids[best] = sums[best] / max(float(np.linalg.norm(sums[best])), 1e-9)
                continue
        centroids.append(v.copy())
        sums.append(v.copy())
        members.append([i])
    return members


def _refine(vectors: Matrix, groups: list[list[int]], join: float, rounds: int = 3) -> list[list[int]]:
    """A few k-means-style rounds after the single pass, so the order texts arrived in matters less: every
    text moves to the nearest centroid of a group of two or more if it is within `join`, else stands alone."""
    for _ in range(rounds):
        seeds = [g for g in groups if len(g) >= 2]
        if not seeds:
            return groups
        centroids = _unit(np.stack([vectors[g].mean(axis=0) for g in seeds]))
        sims = vectors @ centroids.T
        best = sims.argmax(axis=1)
        moved: dict[int, list[int]] = {}
        alone: list[list[int]] = []
        for i in range(len(vectors)):
            if sims[i, best[i]] >= join:
                moved.setdefault(int(best[i]), []).append(i)
            else:
                alone.append([i])
        regrouped = list(moved.values()) + alone
        if sorted(map(sorted, regrouped)) == sorted(map(sorted, groups)):
            return regrouped
        groups = regrouped
    return groups


class Windows(BaseModel):
    since: dt.datetime
    until: dt.datetime
    window: dt.timedelta
    last: list[Item]
    previous: list[Item]


def load(session: Session, principal: Principal, *, now: dt.datetime, window: dt.timedelta = dt.timedelta(days=1),
         org_id: str | None = None) -> Windows:
    """The last window's and the previous window's flagged or reported texts (read in a transaction;
    embed them after it: `cluster`)."""
    principal.require(Permission.READ_ENFORCEMENT)
    boundary, since = now - window, now - 2 * window
    return Windows(since=since, until=now, window=window, last=items(session, principal, boundary, now, org_id),
                   previous=items(session, principal, since, boundary, org_id))


def cluster(windows: Windows, embedder: Embedder | None = None, *, join: float = 0.6, min_size: int = 3,
            samples: int = 3) -> ClusterReport:
    last, previous = windows.last, windows.previous
    clusters: list[Cluster] = []
    if last:
        enc = embedder or default_embedder()
        vectors = _unit(enc.encode([i.text for i in last]))
        before = _unit(enc.encode([i.text for i in previous])) if previous else np.zeros((0, vectors.shape[1]),
                                                                                        dtype=np.float32)
        for group in _refine(vectors, _leader(vectors, join), join):
            if len(group) < min_size:
                continue
            centroid = vectors[group].mean(axis=0)
            centroid = centroid / max(float(np.linalg.norm(centroid)), 1e-9)
            sims = vectors[group] @ centroid
            prior = int((before @ centroid >= join).sum()) if len(before) else 0
            order = [group[j] for j in np.argsort(-sims)]
            clusters.append(Cluster(
                size=len(group), previous=prior, new=prior == 0, growth=round(len(group) / max(prior, 1), 2),
                cohesion=round(float(sims.mean()), 3),
                samples=[_excerpt(last[i].text) for i in order[:samples]],
                content_ids=[last[i].content_id for i in order]))
    clusters.sort(key=lambda c: (not c.new, -c.growth, -c.size))
    return ClusterReport(since=windows.since, until=windows.until, window=windows.window, last_items=len(last),
                         previous_items=len(previous), clusters=clusters)


def _unit(m: Matrix) -> Matrix:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    out: Matrix = (m / norms).astype(np.float32)
    return out


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


class PrototypeDraft(BaseModel):
    name: str
    category: str
    positives: list[str]
    yaml: str  # a rules file for the prototypes detector (WARDEN_PROTOTYPE_RULES)


def draft_rule(session: Session, principal: Principal, *, name: str, category: str, content_ids: Sequence[str],
               limit: int = 12) -> PrototypeDraft:
    """A prototype rule from a cluster: its texts (read through the principal's scope; sealed content never)
    as the positive examples, validated by the prototypes detector's own rule type."""
    import yaml

    from warden.detect.prototypes import PrototypeRule
    from warden.enforce.scoping import get_scoped
    from warden.errors import InvalidInput

    principal.require(Permission.READ_ENFORCEMENT)
    texts = []
    for content_id in list(dict.fromkeys(content_ids))[:limit]:
        content = get_scoped(session, ContentItem, content_id, principal, "content")
        if content.text and not content.restricted:
            texts.append(" ".join(content.text.split()))
    slug = "-".join(name.lower().split())
    try:
        rule = PrototypeRule(category=category, positives=texts, name=slug)
    except ValueError as exc:
        raise InvalidInput(str(exc), param="category") from None
    body = {"rules": [{"name": rule.name, "category": rule.category, "positives": rule.positives, "negatives": []}]}
    return PrototypeDraft(name=rule.name, category=rule.category, positives=rule.positives,
                          yaml=yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100))
