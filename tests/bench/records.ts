/**
 * The runs kept in docs/benchmarks/: a comparison's sweeps (`bench:compare … --record`) and a
 * chaos run (`chaos --record`), each as one JSON file named by its kind and date. The sweeps
 * (`<date>.json`) and the footprints (`footprint-<date>.json`) are written by their own
 * commands. docs/benchmarks.md shows the newest of each kind (tests/docs/doc-tables.ts).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SweepResult } from './sweep.js';

export const BENCHMARKS_DIR = path.resolve(__dirname, '..', '..', '..', 'docs', 'benchmarks');

/** The kinds of kept run; a sweep's file is named by its date alone. */
export type RecordKind = 'sweep' | 'compare' | 'chaos' | 'footprint' | 'overload' | 'profile';

const prefix = (kind: RecordKind) => (kind === 'sweep' ? '' : `${kind}-`);

export interface CompareRecord {
  date: string;
  command: string;
  before_commit: string;
  after_commit: string;
  /** The n-th sweep of `before` and of `after` form the n-th pair, run B A, A B, … */
  before: SweepResult[];
  after: SweepResult[];
}

export interface ChaosRecord {
  date: string;
  command: string;
  rate_per_sec: number;
  faults: number;
  orders: number;
  lost: number;
  invariant_violations: number;
  max_recovery_s: number;
  /** Per fault, in the order injected: seconds from the end of the fault until a new order went through the saga. */
  recovery_s: Record<string, number>;
}

export const today = (): string => new Date().toISOString().slice(0, 10);

/** Writes a record as docs/benchmarks/<kind>-<date>.json; the path written. */
export function keepRecord<T extends { date: string }>(kind: Exclude<RecordKind, 'sweep'>, record: T, dir = BENCHMARKS_DIR): string {
  const file = path.join(dir, `${prefix(kind)}${record.date}.json`);
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}

/** The newest record of a kind (dates sort as text), with its file name; null when none is kept. */
export function newestRecord<T>(kind: RecordKind, dir = BENCHMARKS_DIR): { file: string; record: T } | null {
  const pattern = new RegExp(`^${prefix(kind)}\\d{4}-\\d{2}-\\d{2}\\.json$`);
  const file = readdirSync(dir).filter((f) => pattern.test(f)).sort().at(-1);
  return file ? { file, record: JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as T } : null;
}
