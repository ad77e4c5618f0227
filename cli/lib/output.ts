/** One JSON object (or array) on stdout, for `--json`. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

export function printLine(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** Warnings go to stderr so stdout stays parseable. */
export function warn(line: string): void {
  process.stderr.write(`iotlog: warning: ${line}\n`);
}

/** A plain text table: columns padded to the widest cell. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  printLine(fmt(header));
  for (const r of rows) printLine(fmt(r));
}
