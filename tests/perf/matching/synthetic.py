"""Deterministic synthetic English identity-matching data set, with its truth.

    python -m tests.perf.matching.synthetic --existing 1000000 --incoming 100000 --out DIR

Base population: `index.demo_data.generate(n_existing + n_new)`. `n_new` children,
drawn at random from the stream, are held out of `existing` and become the incoming
children that are genuinely new (so their identifiers are unique by construction).
Everything else is written to `existing.csv` as it streams by; the incoming census is
built alongside and shuffled at the end.

Files (canonical census CSV, see /work/shared/reference/census-csv.md):
- existing.csv  one row per existing child, record_id E0000001...
- incoming.csv  a later census, record_id S0000001..., shuffled
- truth.csv     incoming_record_id, existing_record_id ('' = new child), kind
- twins.csv     record_id_a, record_id_b: pairs that must never be merged: twins in
                existing; an incoming new twin and its existing twin (or two new twins);
                and "common name, same day" pairs (in existing, and incoming vs existing)
- meta.json     seed, sizes, rates, counts per kind, observed identifier shares

Kinds (joined with '+'): matched rows are 'clean' or a combination of the names in
perturb.PERTURBATIONS plus 'temp_to_permanent_upn' (existing holds a temporary UPN,
incoming the permanent one with former_upn = the temporary one). New rows are
'new_child', 'new_sibling_of_existing' (a held-out child whose household is in
existing), 'new_twin_of_existing' (same surname, dob, address and carers as an existing
child, different forename) or 'common_name_same_dob' (a very common forename + surname
and the dob of an existing child of that name, in another household).
Identifier availability, carers kept or dropped, phone changes and formats (dob
DD/MM/YYYY, relationship codes) vary on every row and are not part of the kind.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import groupby
from operator import attrgetter
from pathlib import Path
from typing import Callable

from index import demo_names as N
from index import demo_data
from index.demo_data import DemoChild, generate
from matching import variants
from matching.identifiers import upn_check_letter
from matching.normalise import fold
from tests.perf.matching import perturb as P
from tests.perf.matching.perturb import COLUMNS

__all__ = ["Dataset", "build", "write", "generate_files", "COLUMNS", "rates", "main"]

# --- Design rates ------------------------------------------------------------------
P_MATCHED = 0.90                 # share of incoming rows that are children in existing
NEW_TWIN_SHARE = 0.01            # incoming rows made as new twins of existing children
NEW_COMMON_NAME_SHARE = 0.01     # incoming rows made as common-name same-dob doppelgangers
EXISTING_COMMON_NAME_SHARE = 0.001  # existing rows re-made as a common-name same-dob pair

P_CLEAN = 0.70                   # matched rows left without a random perturbation
P_TWO_PERTURBATIONS = 0.25       # of the others: two perturbations rather than one
PERTURBATION_WEIGHTS = {         # relative weights of the random perturbations; one that
    "typo_forename": 12, "typo_surname": 12,   # does not fit a row (no nickname known,
    "nickname": 25, "surname_change": 6,       # day > 12) passes to the next, hence the
    "dob_swap": 14, "dob_digit": 5, "dob_off_by_one": 5,  # higher weights of those
    "moved": 14, "missing_fields": 10, "new_temp_upn": 5,
}
P_HYPHEN_PART = 0.5              # a hyphenated surname is given as one part
P_PREFERRED_AS_FORENAME = 0.3    # a child with a preferred forename is sent under it

# Identifier availability. UPN/ULN: share of the children who have one (UPNs exist for
# school age, ~78% of children, so ~75% / ~70% of rows). NHS: share of all rows.
EXISTING_P_UPN = 0.96
INCOMING_P_UPN = 0.90
EXISTING_NHS_SHARE = 0.60
INCOMING_NHS_SHARE = 0.40
EXISTING_P_ULN = 1.0
INCOMING_P_ULN = 0.6
EXISTING_P_KNOWS_PERMANENT = 0.3  # existing already has the permanent UPN of a child
                                  # whose temporary UPN was replaced (else: the temporary)
P_TEMP_IN_EXISTING = 0.03        # a matched child with a permanent UPN gets a former
                                 # temporary one that existing still holds (on top of
                                 # demo_data's ~2% children with a former temporary UPN)
P_TWIN_SAME_SEX = 0.65
P_TWIN_SIMILAR_NAME = 0.25       # same-sex new twins named like Jack/Jake when possible

KIND_ORDER = [*P.PERTURBATIONS, "temp_to_permanent_upn"]   # order of parts in a label
COMMON_FORENAMES = frozenset(n for t in (N.BOY_FORENAMES, N.GIRL_FORENAMES) for n, _w in t[:10])
COMMON_SURNAMES = frozenset(s for s, _w, _g in N.SURNAMES[:8])
SIMILAR = {a: b for pairs in (N.SIMILAR_BOY_PAIRS, N.SIMILAR_GIRL_PAIRS)
           for x, y in pairs for a, b in ((x, y), (y, x))}


def rates() -> dict[str, object]:
    """Every rate constant of both modules (numbers and dicts of numbers), for meta.json."""
    def is_rate(v: object) -> bool:
        return (isinstance(v, (int, float)) and not isinstance(v, bool)) or (
            isinstance(v, dict) and all(isinstance(x, (int, float)) for x in v.values()))
    return {name: value for mod in (sys.modules[__name__], P)
            for name, value in vars(mod).items() if name.isupper() and is_rate(value)}


@dataclass
class Dataset:
    existing: list[dict[str, str]]
    incoming: list[dict[str, str]]
    truth: dict[str, str | None]          # incoming id -> existing id, None = new child
    kinds: dict[str, str]                 # incoming id -> kind
    never_link: list[tuple[str, str]]     # pairs that must never be merged
    meta: dict = field(default_factory=dict)


@dataclass
class _Held:
    """A held-out (new) child and its relations to existing."""
    child: DemoChild
    sibling_ids: list[str]                # existing ids in its household
    twin_id: str | None                   # its twin's existing id
    twin_index: int | None                # its twin's demo index when also held out


class _Generator:
    def __init__(self, n_existing: int, n_incoming: int, seed: int):
        if n_existing < 0 or n_incoming < 0:
            raise ValueError("sizes must be >= 0")
        if n_incoming > n_existing:
            raise ValueError(f"n_incoming ({n_incoming}) must be <= n_existing ({n_existing})")
        self.seed = seed
        self.n_existing, self.n_incoming = n_existing, n_incoming
        self.n_matched = round(n_incoming * P_MATCHED)
        self.n_new = n_incoming - self.n_matched
        self.n_total = n_existing + self.n_new
        cap = self.n_new // 3
        self.n_twins = min(cap, max(1, round(n_incoming * NEW_TWIN_SHARE)))
        self.n_common = min(cap, max(1, round(n_incoming * NEW_COMMON_NAME_SHARE)))
        n_pairs = min(n_existing // 10, max(1, round(n_existing * EXISTING_COMMON_NAME_SHARE)))
        sel = random.Random(f"isindex-synthetic-select:{seed}")
        self.held_out = set(sel.sample(range(self.n_total), self.n_new))
        self.matched = set(sel.sample(range(n_existing), self.n_matched))
        self.twin_anchor_pos = set(sel.sample(range(n_existing), self.n_twins))
        self.victim_pos = set(sel.sample(range(n_existing), n_pairs))
        self.rng = random.Random(f"isindex-synthetic-rows:{seed}")
        self.ring = P.AddressRing()
        self.temp_upns = P.TempUpns()
        have_nhs = min(1.0, int(demo_data.NHS_TEST_RANGE_CAPACITY * 0.97) / max(1, self.n_total))
        self.p_nhs_existing = min(1.0, EXISTING_NHS_SHARE / have_nhs)
        self.p_nhs_incoming = min(1.0, INCOMING_NHS_SHARE / have_nhs)
        self.width = max(6, len(str(max(n_existing, n_incoming))))
        self.pos = 0
        self.entries: list[tuple[dict[str, str], str | None, str]] = []  # row, truth, kind
        self.never_link: list[tuple[object, object]] = []  # ids, or ("S", entry index)
        self.twin_anchors: list[tuple[DemoChild, str, set[str]]] = []  # + household names
        self.common: list[tuple[DemoChild, str]] = []       # reservoir sample
        self.common_seen = 0
        self.sources: dict[tuple[bool, bool], tuple[DemoChild, str]] = {}
        self.pending_victims = 0
        self.existing_pairs = 0
        self.held: list[_Held] = []
        self.id_counts = Counter()
        self.upn_serials: dict[str, int] = {}   # LA+estab+year -> highest permanent serial

    # -- streaming pass ------------------------------------------------------------

    def run(self, emit: Callable[[dict[str, str]], None]) -> None:
        _las, _orgs, children = generate(self.n_total, seed=self.seed)
        for _hh, group in groupby(children, key=attrgetter("household")):
            self._household(list(group), emit)

    def _household(self, kids: list[DemoChild], emit) -> None:
        ids: dict[int, str] = {}
        existing: list[tuple[int, DemoChild]] = []
        for k in kids:
            k.involvements = []
            if k.index not in self.held_out:
                ids[k.index] = f"E{self.pos + 1:0{self.width}d}"
                existing.append((self.pos, k))
                self.pending_victims += self.pos in self.victim_pos
                self.pos += 1
        if self.pending_victims and len(kids) == 1 and existing:
            self._copy_common_name(existing[0][1], ids[kids[0].index])
        names = {k.forename for k in kids}
        for pos, k in existing:
            eid = ids[k.index]
            knows_permanent = self.rng.random() < EXISTING_P_KNOWS_PERMANENT
            if (pos in self.matched and k.upn and not k.former_upns
                    and self.rng.random() < P_TEMP_IN_EXISTING):
                k.former_upns = [self.temp_upns.next(k.upn[1:4], int(k.upn[8:10]))]
                knows_permanent = False
            emit(self._existing_row(k, eid, knows_permanent))
            if k.twin_of is not None and k.twin_of in ids and k.index < k.twin_of:
                self.never_link.append((eid, ids[k.twin_of]))
            if pos in self.matched:
                row, kind = self._matched_row(k, knows_permanent, names - {k.forename})
                self.entries.append((row, eid, kind))
            if pos in self.twin_anchor_pos:
                self.twin_anchors.append((k, eid, names | {k.preferred_forename or ""}))
            if k.forename in COMMON_FORENAMES and k.surname in COMMON_SURNAMES:
                self._sample_common(k, eid)
        for k in kids:
            if k.index in self.held_out:
                held_twin = k.twin_of if k.twin_of is not None and k.twin_of in self.held_out else None
                self.held.append(_Held(k, list(ids.values()), ids.get(k.twin_of), held_twin))
        self.ring.add(kids[0])
        for k in kids:
            if k.upn and k.upn[-1].isdigit():
                prefix, serial = k.upn[1:10], int(k.upn[10:])
                if serial > self.upn_serials.get(prefix, 0):
                    self.upn_serials[prefix] = serial

    def _sample_common(self, k: DemoChild, eid: str) -> None:
        """Reservoir sample of common-named existing children, and the latest one of
        each identifier class as a source for a common-name pair inside existing."""
        self.common_seen += 1
        if len(self.common) < self.n_common:
            self.common.append((k, eid))
        else:
            j = int(self.rng.random() * self.common_seen)
            if j < self.n_common:
                self.common[j] = (k, eid)
        self.sources[P.id_class(k.dob)] = (k, eid)

    def _copy_common_name(self, victim: DemoChild, victim_id: str) -> None:
        """Give an only child the name, sex and dob of an earlier common-named existing
        child of another household (same identifier class, so identifiers still fit)."""
        got = self.sources.pop(P.id_class(victim.dob), None)
        if got is None:
            return
        src, src_id = got
        for c in victim.carers:
            if c.surname == victim.surname:
                c.surname = src.surname
        if victim.sex != src.sex:
            victim.middle_names = None
        victim.forename, victim.surname, victim.sex, victim.dob = src.forename, src.surname, src.sex, src.dob
        victim.preferred_forename = victim.preferred_surname = None
        victim.former_surnames = []
        self.never_link.append((src_id, victim_id))
        self.pending_victims -= 1
        self.existing_pairs += 1

    # -- rows ----------------------------------------------------------------------

    def _existing_row(self, k: DemoChild, eid: str, knows_permanent: bool) -> dict[str, str]:
        rnd = self.rng.random
        upn, former = k.upn or "", ""
        if k.former_upns:
            upn, former = (upn, k.former_upns[0]) if knows_permanent else (k.former_upns[0], "")
        if not upn or rnd() >= EXISTING_P_UPN:
            upn = former = ""
        uln = k.uln if k.uln and rnd() < EXISTING_P_ULN else ""
        nhs = k.nhs_number if k.nhs_number and rnd() < self.p_nhs_existing else ""
        row = P.child_row(k, self.rng, upn=upn, former_upn=former, uln=uln, nhs=nhs)
        row["record_id"] = eid
        self._count("existing", row)
        return row

    def _incoming_row(self, k: DemoChild) -> dict[str, str]:
        rnd = self.rng.random
        keep = bool(k.upn) and rnd() < INCOMING_P_UPN
        upn = k.upn if keep else ""
        former = k.former_upns[0] if keep and k.former_upns else ""
        uln = k.uln if k.uln and rnd() < INCOMING_P_ULN else ""
        nhs = k.nhs_number if k.nhs_number and rnd() < self.p_nhs_incoming else ""
        return P.child_row(k, self.rng, upn=upn, former_upn=former, uln=uln, nhs=nhs)

    def _matched_row(self, k: DemoChild, knows_permanent: bool, avoid: set[str]) -> tuple[dict[str, str], str]:
        rnd = self.rng.random
        row = self._incoming_row(k)
        ctx = P.Context(k, self.rng, avoid, self.ring, self.temp_upns)
        forced = []
        if "-" in k.surname and rnd() < P_HYPHEN_PART:
            forced.append("hyphen_part")
        if k.preferred_forename and rnd() < P_PREFERRED_AS_FORENAME:
            forced.append("preferred_as_forename")
        kinds = P.perturb(row, ctx, forced)
        if rnd() >= P_CLEAN:
            n = 2 if rnd() < P_TWO_PERTURBATIONS else 1
            kinds += P.perturb(row, ctx, P.weighted_order(PERTURBATION_WEIGHTS, self.rng), limit=n)
        if row["former_upn"] and not knows_permanent:
            kinds.append("temp_to_permanent_upn")
        P.incoming_noise(row, self.rng)
        return row, "+".join(sorted(kinds, key=KIND_ORDER.index)) or "clean"

    def _new_row(self, k: DemoChild, kind: str, pair_with: str | None) -> None:
        row = self._incoming_row(k)
        P.incoming_noise(row, self.rng)
        if pair_with:
            self.never_link.append((("S", len(self.entries)), pair_with))
        self.entries.append((row, None, kind))

    # -- new children, after the stream --------------------------------------------

    def _take_donor(self, pools: dict, anchor: DemoChild) -> DemoChild | None:
        """A held-out child of another household, preferably not a twin and of the
        anchor's identifier class, with the identifiers that fit the anchor's dob."""
        cls = P.id_class(anchor.dob)
        others = sorted(key for key in pools if key[1] != cls)
        for key in [(False, cls), (True, cls)] + others:
            pool = pools.get(key, [])
            for _try in range(len(pool)):
                i = int(self.rng.random() * len(pool))
                if pool[i].child.household != anchor.household:
                    pool[i], pool[-1] = pool[-1], pool[i]
                    return fit_identifiers(pool.pop().child, anchor.dob)
        return None

    def _new_twin(self, anchor: DemoChild, donor: DemoChild, avoid: set[str]) -> DemoChild:
        rnd = self.rng.random
        same_sex = anchor.sex if rnd() < P_TWIN_SAME_SEX else ("female" if anchor.sex == "male" else "male")
        # Parents do not name twins Muhammad and Mohammed: no variants of the twin's name.
        avoid = avoid | {n.title() for n in variants.load("forename").equivalents(fold(anchor.forename))}
        forename = SIMILAR.get(anchor.forename) if same_sex == anchor.sex and rnd() < P_TWIN_SIMILAR_NAME else None
        if not forename or forename in avoid:
            forename = P.forename_for(same_sex, anchor.surname, self.rng, avoid)
        middle = P.forename_for(same_sex, anchor.surname, self.rng, {forename}) if rnd() < 0.75 else None
        return replace(anchor, index=donor.index, forename=forename, middle_names=middle, sex=same_sex,
                       preferred_forename=None, upn=self._sibling_upn(anchor.upn) or donor.upn,
                       former_upns=[], uln=donor.uln, nhs_number=donor.nhs_number, twin_of=None)

    def _sibling_upn(self, upn: str | None) -> str | None:
        """A new permanent UPN of the same school and year as `upn`, with a serial above
        every one demo_data issued there (so unique), like a twin's; None if full."""
        if not upn or not upn[-1].isdigit():
            return None
        prefix = upn[1:10]
        serial = self.upn_serials.get(prefix, 0) + 1
        if serial > 999:
            return None
        self.upn_serials[prefix] = serial
        return upn_check_letter(prefix + f"{serial:03d}") + prefix + f"{serial:03d}"

    def _doppelganger(self, anchor: DemoChild, donor: DemoChild, _avoid: object = None) -> DemoChild:
        carers = [replace(c, surname=anchor.surname if c.surname == donor.surname else c.surname)
                  for c in donor.carers]
        return replace(donor, forename=anchor.forename, surname=anchor.surname, sex=anchor.sex,
                       dob=anchor.dob, carers=carers, preferred_forename=None,
                       preferred_surname=None, former_surnames=[],
                       middle_names=donor.middle_names if donor.sex == anchor.sex else None)

    def _finish(self) -> tuple[list[dict[str, str]], dict[str, str | None], dict[str, str], list[tuple[str, str]]]:
        pools: dict[tuple[bool, tuple[bool, bool]], list[_Held]] = {}
        for h in self.held:
            pools.setdefault((h.child.twin_of is not None, P.id_class(h.child.dob)), []).append(h)
        donors_used: set[int] = set()
        common = [(k, eid, None) for k, eid in self.common]
        for anchors, make, kind in ((self.twin_anchors, self._new_twin, "new_twin_of_existing"),
                                    (common, self._doppelganger, "common_name_same_dob")):
            for anchor, eid, avoid in anchors:
                donor = self._take_donor(pools, anchor)
                if donor is not None:
                    donors_used.add(donor.index)
                    self._new_row(make(anchor, donor, avoid), kind, eid)
        held_entry: dict[int, int] = {}
        for h in self.held:
            if h.child.index in donors_used:
                continue
            kind = ("new_twin_of_existing" if h.twin_id else
                    "new_sibling_of_existing" if h.sibling_ids else "new_child")
            held_entry[h.child.index] = len(self.entries)
            if h.twin_index is not None and h.twin_index in held_entry:
                self.never_link.append((("S", held_entry[h.twin_index]), ("S", len(self.entries))))
            self._new_row(h.child, kind, h.twin_id)
        order = list(range(len(self.entries)))
        self.rng.shuffle(order)
        sid = {entry: f"S{n + 1:0{self.width}d}" for n, entry in enumerate(order)}
        incoming, truth, kinds = [], {}, {}
        for entry in order:
            row, eid, kind = self.entries[entry]
            row["record_id"] = sid[entry]
            incoming.append(row)
            truth[row["record_id"]], kinds[row["record_id"]] = eid, kind
            self._count("incoming", row)
        resolve = lambda x: sid[x[1]] if isinstance(x, tuple) else x  # noqa: E731
        never = [(resolve(a), resolve(b)) for a, b in self.never_link]
        return incoming, truth, kinds, never

    # -- bookkeeping ---------------------------------------------------------------

    def _count(self, side: str, row: dict[str, str]) -> None:
        ids = self.id_counts
        ids[side] += 1
        for col in ("upn", "uln", "nhs_number", "former_upn"):
            if row[col]:
                ids[f"{side}_{col}"] += 1

    def meta(self, kinds: dict[str, str], never: list, seconds: float) -> dict:
        per_kind = Counter(part for kind in kinds.values() for part in kind.split("+"))
        share = {f"{side}_{col}": round(self.id_counts[f"{side}_{col}"] / max(1, self.id_counts[side]), 4)
                 for side in ("existing", "incoming") for col in ("upn", "former_upn", "uln", "nhs_number")}
        return {
            "seed": self.seed, "n_existing": self.n_existing, "n_incoming": self.n_incoming,
            "n_matched": self.n_matched,
            "n_new": self.n_new, "never_link_pairs": len(never),
            "existing_common_name_same_dob_pairs": self.existing_pairs,
            "rates": rates(), "counts_per_kind": dict(sorted(per_kind.items())),
            "counts_per_label": dict(Counter(kinds.values()).most_common()),
            "identifier_shares": share, "seconds": round(seconds, 1),
        }


def fit_identifiers(child: DemoChild, dob: date) -> DemoChild:
    """The child's identifiers, dropping those its new dob is too young for."""
    school, fourteen = P.id_class(dob)
    return replace(child, upn=child.upn if school else None,
                   former_upns=child.former_upns if school else [],
                   uln=child.uln if fourteen else None)


# --- Public API ----------------------------------------------------------------------

def build(n_existing: int, n_incoming: int, *, seed: int = 1) -> Dataset:
    """The whole data set in memory (for tests and small runs)."""
    start = time.perf_counter()
    gen = _Generator(n_existing, n_incoming, seed)
    existing: list[dict[str, str]] = []
    gen.run(existing.append)
    incoming, truth, kinds, never = gen._finish()
    return Dataset(existing, incoming, truth, kinds, never,
                   gen.meta(kinds, never, time.perf_counter() - start))


def _csv_writer(f):
    return csv.writer(f, lineterminator="\n")


def _write_rest(out: Path, incoming, truth, kinds, never, meta) -> None:
    with open(out / "incoming.csv", "w", newline="", encoding="utf-8") as f:
        w = _csv_writer(f)
        w.writerow(COLUMNS)
        w.writerows([row[c] for c in COLUMNS] for row in incoming)
    with open(out / "truth.csv", "w", newline="", encoding="utf-8") as f:
        w = _csv_writer(f)
        w.writerow(("incoming_record_id", "existing_record_id", "kind"))
        w.writerows((sid, eid or "", kinds[sid]) for sid, eid in truth.items())
    with open(out / "twins.csv", "w", newline="", encoding="utf-8") as f:
        w = _csv_writer(f)
        w.writerow(("record_id_a", "record_id_b"))
        w.writerows(never)
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def write(dataset: Dataset, out_dir: str | Path) -> None:
    """Write existing.csv, incoming.csv, truth.csv, twins.csv and meta.json."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "existing.csv", "w", newline="", encoding="utf-8") as f:
        w = _csv_writer(f)
        w.writerow(COLUMNS)
        w.writerows([row[c] for c in COLUMNS] for row in dataset.existing)
    _write_rest(out, dataset.incoming, dataset.truth, dataset.kinds, dataset.never_link, dataset.meta)


def generate_files(n_existing: int, n_incoming: int, out_dir: str | Path, *, seed: int = 1) -> dict:
    """Same files as write(build(...)), streaming existing.csv: memory is bounded by the
    incoming side. Returns the meta dict."""
    start = time.perf_counter()
    gen = _Generator(n_existing, n_incoming, seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "existing.csv", "w", newline="", encoding="utf-8") as f:
        w = _csv_writer(f)
        w.writerow(COLUMNS)
        gen.run(lambda row: w.writerow([row[c] for c in COLUMNS]))
    incoming, truth, kinds, never = gen._finish()
    meta = gen.meta(kinds, never, time.perf_counter() - start)
    _write_rest(out, incoming, truth, kinds, never, meta)
    return meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.perf.matching.synthetic",
        description="Write a synthetic identity-matching data set (existing.csv, incoming.csv, "
                    "truth.csv, twins.csv, meta.json) to --out.")
    parser.add_argument("--existing", type=int, required=True, help="children in existing.csv")
    parser.add_argument("--incoming", type=int, required=True,
                        help="rows in incoming.csv (at most --existing)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--out", type=Path, required=True, help="output directory (created)")
    args = parser.parse_args(argv)
    if args.existing < 0 or args.incoming < 0:
        parser.error("--existing and --incoming must be >= 0")
    if args.incoming > args.existing:
        parser.error(f"--incoming ({args.incoming}) must be <= --existing ({args.existing})")
    if args.out.exists() and not args.out.is_dir():
        parser.error(f"--out {args.out} exists and is not a directory")
    meta = generate_files(args.existing, args.incoming, args.out, seed=args.seed)
    print(f"wrote {args.out}: {meta['n_existing']} existing, {meta['n_incoming']} incoming "
          f"({meta['n_matched']} matched), {meta['never_link_pairs']} never-link pairs "
          f"in {meta['seconds']} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
