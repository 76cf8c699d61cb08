import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { procStatFields } from '../support/proc-stat.js';

/**
 * Seconds of load a broker run with the JVM's tiered JIT (C2, as the cluster runs it, and
 * scripts/infra.sh's default) needs before it is measured. It compiles its hot paths during
 * about its first minute under load and until then costs more: on 2026-11-29, 30 s at 1,000
 * orders/s right after a start gave p50 673 ms and 0.50 ms of broker CPU per order, against
 * 0.29–0.32 ms once warm. A broker started with C1 only (`--quick-start-jvm`, the test
 * command's choice) compiles in seconds, which the bench's own warm-up covers.
 */
export const BROKER_WARM_UP_S = 60;

/** What the bench knows of the running broker's warmth. */
export interface BrokerWarmth {
  /** Runs with C1 only (`-XX:TieredStopAtLevel=1`): warm after the usual warm-up. */
  quickStartJit: boolean;
  /** Seconds of bench load this broker process has served since it started. */
  servedSeconds: number;
}

/** The warm-up a bench runs: what was asked, made up to BROKER_WARM_UP_S of load on a broker that still compiles. */
export function warmUpSeconds(asked: number, broker: BrokerWarmth | null): number {
  if (!broker || broker.quickStartJit) return asked;
  return Math.max(asked, BROKER_WARM_UP_S - broker.servedSeconds);
}

/**
 * The broker of `scripts/infra.sh` (its pid from `pid`) and the load benches have put on it,
 * kept in `runDir/kafka.bench-load` as "<start time of the process> <seconds>": a restarted
 * broker, whose start time differs, counts from zero. Null without a running broker.
 */
export class BrokerLoadRecord {
  constructor(
    private readonly runDir: string,
    private readonly pid: () => number | undefined,
  ) {}

  read(): (BrokerWarmth & { started: string }) | null {
    const pid = this.pid();
    const fields = pid ? procStatFields(pid) : null;
    const cmdline = pid ? readText(`/proc/${pid}/cmdline`) : null;
    if (!fields || cmdline === null) return null;
    const started = fields[19]!;
    const [recordedStart, seconds] = (readText(path.join(this.runDir, 'kafka.bench-load')) ?? '').split(' ');
    return {
      started,
      quickStartJit: cmdline.split('\0').includes('-XX:TieredStopAtLevel=1'),
      servedSeconds: recordedStart === started ? Number(seconds) || 0 : 0,
    };
  }

  /** Adds `seconds` of load to the running broker's record. */
  add(seconds: number): void {
    const broker = this.read();
    if (broker) writeFileSync(path.join(this.runDir, 'kafka.bench-load'), `${broker.started} ${broker.servedSeconds + seconds}\n`);
  }
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}
