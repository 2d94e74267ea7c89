// The profile split both request benchmarks print (bench/public-fetch.ts, bench/jobs-list.ts):
// N sequential calls (one in flight, so each number is a request's own cost, not a
// queue's) of each layer, from the statement alone to the facade over HTTP, and of the
// single pieces the layers add, in microseconds per call. The layers alternate call by
// call and the pieces batch by batch, each reporting its median, so a shared machine's
// noise hits them alike and its outliers do not count.

export interface ProfileLine {
  name: string;
  microseconds: number;
  kind: "layer" | "piece";
}

/** Named calls: layers are requests (awaited one at a time), pieces are the single costs. */
export type Layer = [name: string, call: () => Promise<unknown>];
export type Piece = [name: string, call: () => unknown];

/**
 * Samples every layer `calls` times per round (after a tenth of that as warm-up) and
 * every piece in batches of 100, ten times as many calls; medians, in µs per call.
 */
export async function sampleProfile(layers: Layer[], pieces: Piece[], options: { calls: number; rounds: number }): Promise<ProfileLine[]> {
  const layerSamples = new Map<string, number[]>(layers.map(([name]) => [name, []]));
  const pieceSamples = new Map<string, number[]>(pieces.map(([name]) => [name, []]));
  for (const [, call] of layers) for (let i = 0; i < Math.ceil(options.calls / 10); i++) await call(); // warm-up
  for (let round = 0; round < options.rounds; round++) {
    for (let i = 0; i < options.calls; i++) {
      for (const [name, call] of layers) {
        const started = performance.now();
        await call();
        layerSamples.get(name)!.push((performance.now() - started) * 1000);
      }
    }
    for (let batch = 0; batch < options.calls / 10; batch++) {
      for (const [name, call] of pieces) {
        const started = performance.now();
        for (let i = 0; i < 100; i++) await call();
        pieceSamples.get(name)!.push(((performance.now() - started) * 1000) / 100);
      }
    }
  }
  return [
    ...layers.map(([name]) => ({ name, microseconds: median(layerSamples.get(name)!), kind: "layer" as const })),
    ...pieces.map(([name]) => ({ name, microseconds: median(pieceSamples.get(name)!), kind: "piece" as const })),
  ];
}

/**
 * The split as lines: µs per request and each line's share of the facade over HTTP, the
 * layers, then what each facade layer adds (statement → core → app.handle → HTTP), then
 * the pieces. `names` says which layers are the statement, the core and app.handle.
 */
export function profileSplitLines(lines: ProfileLine[], names: { statement: string; core: string; app: string; http: string }): string[] {
  const of = (name: string) => lines.find((line) => line.name === name)!.microseconds;
  const whole = of(names.http);
  const width = Math.max(...lines.map((line) => line.name.length), 55);
  const row = (name: string, microseconds: number) =>
    `  ${name.padEnd(width)} ${microseconds.toFixed(1).padStart(8)} µs  ${((microseconds / whole) * 100).toFixed(1).padStart(5)}%`;
  return [
    "  layers (each contains the one before):",
    ...lines.filter((line) => line.kind === "layer").map((line) => row(line.name, line.microseconds)),
    "  what each facade layer adds:",
    row("the core beyond the statement", of(names.core) - of(names.statement)),
    row("Elysia and the plugins beyond the core", of(names.app) - of(names.core)),
    row("HTTP (Bun's server and this client) beyond app.handle", whole - of(names.app)),
    "  single pieces (each once per request):",
    ...lines.filter((line) => line.kind === "piece").map((line) => row(line.name, line.microseconds)),
  ];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
