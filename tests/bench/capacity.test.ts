import { expect } from 'chai';
import { bracket, meetsObjective, nextProbeRate, type Outcome, type SearchPlan } from './capacity.js';

/** A system that holds the objective up to `capacity` orders/s and falls behind above it. */
const system = (capacity: number) => (rate: number): Outcome => ({
  offered_per_sec: rate,
  orders_per_sec: rate <= capacity ? rate : capacity,
  p99_ms: rate <= capacity ? 180 : 900,
  errors: 0,
  lost: 0,
});

/** Runs the search as the sweep does, against `probe`. */
function search(plan: SearchPlan, probe: (rate: number) => Outcome): Outcome[] {
  const probes: Outcome[] = [];
  for (let rate = nextProbeRate(plan, probes); rate !== null; rate = nextProbeRate(plan, probes)) probes.push(probe(rate));
  return probes;
}

const hintsOf = (truth: (rate: number) => Outcome, max: number) => [10, ...[10, 25, 50, 75, 90].map((pct) => Math.round((max * pct) / 100))].map(truth);

describe('capacity at the objective: the search over open-loop rates', function () {
  it('meets the objective only with p99 ≤ 250 ms, at least 99 % completed, no errors and nothing lost', function () {
    const ok: Outcome = { offered_per_sec: 1000, orders_per_sec: 990, p99_ms: 250, errors: 0, lost: 0 };
    expect(meetsObjective(ok)).to.equal(true);
    expect(meetsObjective({ ...ok, p99_ms: 251 })).to.equal(false);
    expect(meetsObjective({ ...ok, orders_per_sec: 989 })).to.equal(false);
    expect(meetsObjective({ ...ok, errors: 1 })).to.equal(false);
    expect(meetsObjective({ ...ok, lost: 1 })).to.equal(false);
  });

  it('confirms the highest step that met it, then halves the gap to the lowest that missed it, to within the resolution', function () {
    const truth = system(1430);
    const plan = { hints: hintsOf(truth, 2000), maxPerSec: 2000, resolution: 50, maxProbes: 8 };
    const probes = search(plan, truth);
    expect(probes[0]!.offered_per_sec, 'the 50 % step confirmed first').to.equal(1000);
    const { met, missed } = bracket(probes);
    expect(met!.offered_per_sec).to.be.within(1430 - 50, 1430);
    expect(missed!.offered_per_sec).to.be.within(1431, 1430 + 50);
    expect(missed!.offered_per_sec - met!.offered_per_sec).to.be.at.most(50);
  });

  it('stops after the most probes it is allowed, with what it has found', function () {
    const truth = system(1430);
    const probes = search({ hints: hintsOf(truth, 2000), maxPerSec: 2000, resolution: 1, maxProbes: 3 }, truth);
    expect(probes).to.have.length(3);
    expect(bracket(probes).met!.offered_per_sec).to.be.at.least(1000);
  });

  it('takes a probe over a shorter step: a rate that met it briefly but misses it for longer is searched below', function () {
    const truth = system(1200);
    // The 75 % step (1,500/s) looked fine in its shorter run.
    const hints = hintsOf(truth, 2000).map((h) => (h.offered_per_sec === 1500 ? { ...h, orders_per_sec: 1500, p99_ms: 200 } : h));
    const probes = search({ hints, maxPerSec: 2000, resolution: 25, maxProbes: 8 }, truth);
    expect(probes.slice(0, 2).map((p) => p.offered_per_sec)).to.deep.equal([1500, 1000]);
    expect(bracket(probes).met!.offered_per_sec).to.be.within(1175, 1200);
  });

  it('searches up to the closed-loop maximum when every step met it, and down from the lowest when none did', function () {
    const fast = system(5000);
    const up = search({ hints: hintsOf(fast, 2000), maxPerSec: 2000, resolution: 20, maxProbes: 8 }, fast);
    expect(bracket(up).met!.offered_per_sec).to.be.within(1980, 2000);
    expect(bracket(up).missed).to.equal(null);

    const slow = system(5);
    const down = search({ hints: hintsOf(slow, 2000), maxPerSec: 2000, resolution: 2, maxProbes: 8 }, slow);
    expect(down.every((p) => p.offered_per_sec < 10)).to.equal(true);
    expect(bracket(down).met?.offered_per_sec ?? 0).to.be.within(0, 5);
  });

  it('ignores a miss below a rate that met it (noise): the bracket is the highest met and the lowest miss above it', function () {
    const probes = [system(1000)(900), { ...system(1000)(700), p99_ms: 400 }, system(1000)(1100), system(1000)(1300)];
    const { met, missed } = bracket(probes);
    expect([met!.offered_per_sec, missed!.offered_per_sec]).to.deep.equal([900, 1100]);
  });
});
