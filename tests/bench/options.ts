import path from 'node:path';

/** A command-line mistake: reported in one line with the usage, not as a stack trace. */
export class OptionsError extends Error {}

const flagOf = (name: string) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The options and their defaults, one per line. */
export function usage(tool: string, defaults: Record<string, number | boolean>): string {
  const lines = Object.entries(defaults).map(([name, value]) =>
    typeof value === 'boolean' ? `  ${flagOf(name)}` : `  ${flagOf(name)} N`.padEnd(24) + ` (default ${value})`,
  );
  return `usage: npm run ${tool} -- [options]\n${lines.join('\n')}\n`;
}

/** `--name value` / `--flag` options with defaults and bounds; 'help' for --help or -h. */
export function parseOptions<T extends Record<string, number | boolean>>(argv: string[], defaults: T): T | 'help' {
  const options: Record<string, number | boolean> = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return 'help';
    if (!arg.startsWith('--')) throw new OptionsError(`unexpected argument ${arg}`);
    const name = arg.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (!(name in defaults)) throw new OptionsError(`unknown option ${arg}`);
    if (typeof defaults[name] === 'boolean') {
      options[name] = true;
      continue;
    }
    const value = Number(argv[++i]);
    if (!Number.isFinite(value) || value < 0) throw new OptionsError(`${arg} needs a non-negative number`);
    options[name] = value;
  }
  return options as T;
}

/** The options of a command-line tool: prints the usage and exits 0 on --help, exits 2 on a mistake. */
export function readOptions<T extends Record<string, number | boolean>>(argv: string[], defaults: T): T {
  const tool = path.basename(process.argv[1] ?? 'tool', '.js');
  try {
    const options = parseOptions(argv, defaults);
    if (options !== 'help') return options;
    process.stdout.write(usage(tool, defaults));
    process.exit(0);
  } catch (error) {
    if (!(error instanceof OptionsError)) throw error;
    process.stderr.write(`${tool}: ${error.message}\n${usage(tool, defaults)}`);
    process.exit(2);
  }
}

/** `n` with at most `digits` decimals, as a number (for reports). */
export const round = (n: number, digits = 1) => Number(n.toFixed(digits));

/** A figure as the reports and docs write it: whole, with thousands separated (1,086). */
export const whole = (n: number): string => Math.round(n).toLocaleString('en-US');
/** A rate to one decimal, with thousands separated (1,086.0). */
export const tenths = (n: number): string => n.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function printTable(out: NodeJS.WritableStream, rows: [string, string | number][]): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) out.write(`  ${k.padEnd(width)}  ${v}\n`);
}
