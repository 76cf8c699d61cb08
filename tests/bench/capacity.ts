/**
 * The capacity at the latency objective: the highest open-loop rate the system sustains with
 * p99 POST → terminal ≤ 250 ms while it completes at least 99 % of what is offered, with no
 * errors and nothing lost. Found by probing rates, each for long enough (30 s by default)
 * that a queue growing at the service or the broker shows in the step. Pure: the sweep runs
 * the probes this chooses.
 */

export const OBJECTIVE = { p99Ms: 250, completedShare: 0.99 } as const;

/** What a step of the sweep says about the objective. */
export interface Outcome {
  offered_per_sec: number;
  orders_per_sec: number;
  p99_ms: number;
  errors: number;
  lost: number;
}

export const meetsObjective = (s: Outcome): boolean =>
  s.errors === 0 && s.lost === 0 && s.p99_ms <= OBJECTIVE.p99Ms && s.orders_per_sec >= OBJECTIVE.completedShare * s.offered_per_sec;

export interface SearchPlan {
  /** Steps measured before the search (shorter, so only hints where to look). */
  hints: readonly Outcome[];
  /** The closed-loop maximum: above it no rate is sustained. */
  maxPerSec: number;
  /** Stop once the bracket is this narrow (orders/s). */
  resolution: number;
  /** At most this many probes. */
  maxProbes: number;
}

/**
 * The next rate to probe, or null when the search is done. A probe's verdict is final; a
 * hint only says where to look. The search first confirms the highest hint that met the
 * objective, then halves the gap to the lowest rate that missed it (a probe, else a hint,
 * else the maximum).
 */
export function nextProbeRate(plan: SearchPlan, probes: readonly Outcome[]): number | null {
  if (probes.length >= plan.maxProbes) return null;
  const { met, missed } = bracket(probes);
  const low = met?.offered_per_sec ?? 0;
  const high = missed?.offered_per_sec ?? Infinity;
  const inside = (s: Outcome) => s.offered_per_sec > low && s.offered_per_sec < high;
  const hintMet = plan.hints.filter((s) => inside(s) && meetsObjective(s)).map((s) => s.offered_per_sec);
  if (hintMet.length > 0) return Math.max(...hintMet);
  const hintMissed = plan.hints.filter((s) => inside(s) && !meetsObjective(s)).map((s) => s.offered_per_sec);
  const ceiling = Math.min(high, ...hintMissed, Math.round(plan.maxPerSec));
  if (ceiling - low <= plan.resolution) return null;
  const rate = Math.round((low + ceiling) / 2);
  return rate > low && rate < high ? rate : null;
}

/** The highest probe that met the objective, and the lowest above it that missed it. */
export function bracket<T extends Outcome>(probes: readonly T[]): { met: T | null; missed: T | null } {
  const met = probes.filter(meetsObjective).sort((a, b) => b.offered_per_sec - a.offered_per_sec)[0] ?? null;
  const above = probes.filter((s) => !meetsObjective(s) && s.offered_per_sec > (met?.offered_per_sec ?? 0));
  const missed = above.sort((a, b) => a.offered_per_sec - b.offered_per_sec)[0] ?? null;
  return { met, missed };
}
