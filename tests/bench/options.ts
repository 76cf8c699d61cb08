/** `--name value` / `--flag` command-line options with defaults and bounds. */
export function readOptions<T extends Record<string, number | boolean>>(argv: string[], defaults: T): T {
  const options: Record<string, number | boolean> = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const name = arg.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (!(name in defaults)) throw new Error(`unknown option ${arg}; options: ${Object.keys(defaults).join(', ')}`);
    if (typeof defaults[name] === 'boolean') {
      options[name] = true;
      continue;
    }
    const value = Number(argv[++i]);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${arg} needs a non-negative number`);
    options[name] = value;
  }
  return options as T;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function printTable(out: NodeJS.WritableStream, rows: [string, string | number][]): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) out.write(`  ${k.padEnd(width)}  ${v}\n`);
}
