// Load for benchmarks: N concurrent loops calling `request` for a fixed time, with
// latencies recorded per call. The loops run in this process, so on the 2-core
// machine the generator competes with what it measures; every benchmark therefore
// reports ratios of runs made the same way, side by side, in one process.

export interface LoadResult {
  label: string;
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

export async function runLoad(options: {
  label: string;
  concurrency: number;
  seconds: number;
  /** One call; return false (or throw) to count an error. */
  request: (worker: number, iteration: number) => Promise<boolean>;
  warmupSeconds?: number;
}): Promise<LoadResult> {
  const { concurrency } = options;
  if (options.warmupSeconds) await drive(concurrency, options.warmupSeconds, options.request, []);
  const latencies: number[] = [];
  const started = performance.now();
  const errors = await drive(concurrency, options.seconds, options.request, latencies);
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    label: options.label,
    requests: latencies.length,
    errors,
    seconds,
    rps: latencies.length / seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  };
}

async function drive(
  concurrency: number,
  seconds: number,
  request: (worker: number, iteration: number) => Promise<boolean>,
  latencies: number[],
): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let errors = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let iteration = 0; performance.now() < deadline; iteration++) {
        const begun = performance.now();
        let ok = false;
        try {
          ok = await request(worker, iteration);
        } catch {
          ok = false;
        }
        latencies.push(performance.now() - begun);
        if (!ok) errors++;
      }
    }),
  );
  return errors;
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** A fixed-width table of results, plus any extra columns. */
export function printTable(rows: LoadResult[], extra: (row: LoadResult) => Record<string, string> = () => ({})): void {
  const table = rows.map((row) => ({
    case: row.label,
    "req/s": row.rps.toFixed(0),
    "p50 ms": row.p50Ms.toFixed(2),
    "p99 ms": row.p99Ms.toFixed(2),
    requests: String(row.requests),
    errors: String(row.errors),
    ...extra(row),
  }));
  const columns = Object.keys(table[0] ?? {});
  const widths = columns.map((column) => Math.max(column.length, ...table.map((row) => (row as Record<string, string>)[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  console.log(line(columns));
  console.log(widths.map((width) => "-".repeat(width)).join("  "));
  for (const row of table) console.log(line(columns.map((column) => (row as Record<string, string>)[column]!)));
}

export const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
