"""The console's small renderers: evidence segments and the SVG charts (escaped, bounded)."""

from __future__ import annotations

from warden.console.charts import line_chart
from warden.console.highlight import segments
from warden.detect.signals import Evidence, Signal


def test_evidence_segments_cover_the_text_once() -> None:
    text = "call 415-555-0132 or mail a@b.example now"
    phone = Signal(category="pii", score=0.9, detector="r@1", evidence=(Evidence(detail="phone", start=5, end=17),))
    email = Signal(category="pii", score=0.9, detector="r@1", evidence=(
        Evidence(detail="email", start=26, end=37), Evidence(detail="overlap", start=10, end=20),
        Evidence(detail="outside", start=30, end=999), Evidence(detail="other part", start=0, end=4, part=1)))
    segs = segments(text, [phone, email])
    assert "".join(s.text for s in segs) == text
    assert [(s.text, s.mark) for s in segs if s.mark] == [("415-555-0132", "pii: phone"), ("a@b.example", "pii: email")]


def test_charts_escape_their_text_and_describe_themselves() -> None:
    svg = str(line_chart("<script>x</script>", ["01-01", "01-02"], [("a<b", [0.1, 0.5]), ("c", [0.0, 0.0])],
                         percent=True))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a&lt;b" in svg
    assert svg.startswith("<svg") and 'role="img"' in svg and "<desc>a&lt;b: 50.0% in the last period" in svg
    assert svg.count("<polyline") == 2
    assert "<polyline" not in str(line_chart("empty", [], []))
