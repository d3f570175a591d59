"""The one pipeline (compare -> score -> decide) with the index's facts: each fact only
ever sends a record to review, and says why."""

import numpy as np
import pytest

from matching import blocking, decide, model, pipeline, table
from matching.score import Frequencies
from tests.matching.conftest import record

MODEL = model.load()
AMELIA = record(record_id="amelia", middle_names="")
SAME = record(record_id="in", middle_names="")                       # auto-links on its own
SLIP = record(record_id="in", forename="Amellia", middle_names="")   # auto-links; held by the evidence-free guard
STRANGER = record(record_id="in", forename="Zachary", surname="Quill", dob="2009-11-30", gender="M",
                  address_line1="1 Far Away", postcode="TR1 1AA", town="Truro", carer1_forename="Jo",
                  carer1_surname="Quill")
NOBODY = np.zeros(1, dtype=bool)
YES = np.ones(1, dtype=bool)


def decided(incoming: dict, **facts) -> decide.Decision:
    vocabs = table.Vocabs()
    L, R = table.build(vocabs, [AMELIA]), table.build(vocabs, [incoming])
    blocked = blocking.block(L, R, MODEL.blocking_rules)
    scored = pipeline.score(MODEL, L, R, blocked.left, blocked.right,
                            Frequencies.of(L, R, comparisons=MODEL.comparisons), n_existing=1000)
    decisions, _ = pipeline.decide(MODEL, L, R, scored, facts=decide.Facts(**facts))
    return decisions[0]


@pytest.mark.parametrize("incoming, facts, decision, reasons", [
    (SAME, {}, "auto", []),
    # A shielded child in the band: never a silent link.
    (SAME, {"shielded": YES}, "review", ["shielded_candidate"]),
    # The candidate's record waits in review: no child to link to.
    (SAME, {"pending": YES}, "review", ["candidate_in_review"]),
    # From the same feed and it would link on its own: one school's two records of one child.
    (SAME, {"same_feed": YES}, "review", ["same_feed_candidate"]),
    # ... a same-feed slip that waits in review: held, never linked to a record with no child.
    (SLIP, {"same_feed": YES, "pending": YES}, "review", ["candidate_in_review"]),
    # A row of the batch it would link to.
    (SAME, {"same_batch": YES}, "review", ["same_feed_candidate"]),
    # Facts about other rows or children change nothing.
    (SAME, {"shielded": NOBODY, "pending": NOBODY, "same_feed": NOBODY, "same_batch": NOBODY}, "auto", []),
    # A new child that cannot be created.
    (STRANGER, {"cannot_create": YES}, "review", ["cannot_create"]),
    (STRANGER, {}, "new", []),
])
def test_facts_only_ever_send_to_review(incoming, facts, decision, reasons):
    d = decided(incoming, **facts)
    assert (d.decision, d.reasons) == (decision, reasons)
    assert d.shielded == bool(facts.get("shielded", NOBODY)[0] and decision == "review")


def test_a_record_waiting_in_review_is_never_offered_as_a_candidate():
    d = decided(SAME, pending=YES)
    assert d.candidates == [] and d.pairs == []
    d = decided(SAME, shielded=YES)
    assert [c for c, _ in d.candidates] == [0] and d.pairs == [0]
