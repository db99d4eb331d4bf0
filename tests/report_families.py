"""A small hand-built families payload on the seeds, in the families data contract (issue 14),
for the report's tests until (and besides) the real families are computed."""

from __future__ import annotations


def _member(doc, start, end, published, relation, parent=None, credits=None, quoted=False,
            speaker=None, outlet=None, confidence=0.8, reasons=()):
    return {"doc": doc, "start": start, "end": end, "outlet": outlet, "published": published,
            "credits": credits, "quoted": quoted, "speaker": speaker, "parent": parent,
            "relation": relation, "confidence": confidence, "reasons": list(reasons)}


def seed_families(analysis) -> tuple[list[dict], list[dict], list[dict]]:
    """(families, outlet_flows, churnalism) as dicts, built from the seeds' real passages: the
    Politico rifle claim (000 credits Politico, 001 rewrites it) and the Stoltenberg quotation
    (000 and 001 quote him), with made-up outlets and times so the timeline has something to
    place."""
    ids = {d.id[:3]: d.id for d in analysis.documents}
    text = {d.id: d.text for d in analysis.documents}
    rifles = [p for p in analysis.passages if "assault rifles" in p.a_text][0]
    quote = [p for p in analysis.passages if p.quoted][0]
    a, b = ids["000"], ids["001"]
    f1 = {"id": "f1", "size": 2, "text": text[a][rifles.a_start:rifles.a_end],
          "origin": {"kind": "source", "doc": None, "name": "Politico",
                     "reason": f"{a} credits Politico"},
          "first_published": "2023-04-05T09:12:00+00:00",
          "last_published": "2023-04-05T15:40:00+00:00", "outlets": ["Euronews", "Wire B"],
          "members": [
              _member(a, rifles.a_start, rifles.a_end, "2023-04-05T09:12:00+00:00", "credited",
                      credits="Politico", outlet="Euronews",
                      reasons=[f"{a} credits Politico (reported)"]),
              _member(b, rifles.b_start, rifles.b_end, "2023-04-05T15:40:00+00:00", "rewrote",
                      parent=a, outlet="Wire B", confidence=0.6,
                      reasons=[f"{b} gives the claim without naming Politico"])]}
    f2 = {"id": "f2", "size": 2, "text": text[b][quote.b_start:quote.b_end],
          "origin": {"kind": "speaker", "doc": None, "name": "Jens Stoltenberg",
                     "reason": "both quote Stoltenberg"},
          "first_published": "2023-04-05T09:12:00+00:00", "last_published": None,
          "outlets": ["Euronews", "Wire B"],
          "members": [
              _member(a, quote.a_start, quote.a_end, "2023-04-05T09:12:00+00:00", "quoted",
                      quoted=True, speaker="Jens Stoltenberg", outlet="Euronews"),
              _member(b, quote.b_start, quote.b_end, None, "quoted", quoted=True,
                      speaker="Jens Stoltenberg", outlet="Wire B")]}
    flows = [{"source": "Euronews", "target": "Wire B", "passages": 1, "credited": 0,
              "first": "2023-04-05T09:12:00+00:00", "last": "2023-04-05T15:40:00+00:00"}]
    churn = [{"doc": b, "share": 0.12, "sources": [["Euronews", 0.12]]},
             {"doc": a, "share": 0.0, "sources": []}]
    return [f1, f2], flows, churn
