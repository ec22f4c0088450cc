/**
 * Latencies of two ways of making the same call, measured in one process: sequential calls (so the figures are
 * latencies, not throughput), first a warm-up of both, then rounds in which each runs `perRound` times in turn,
 * so drift on a shared machine hits both alike. Samples are in microseconds.
 */
import { performance } from 'node:perf_hooks';

export interface InterleavedOptions {
  rounds: number;
  perRound: number;
  warmUp: number;
}

export async function interleavedLatency(
  calls: Readonly<Record<string, () => Promise<void>>>,
  opts: InterleavedOptions,
): Promise<Record<string, number[]>> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(calls).map((k) => [k, []]));
  const time = async (call: () => Promise<void>, into: number[] | undefined) => {
    const started = performance.now();
    await call();
    into?.push((performance.now() - started) * 1000);
  };
  for (let i = 0; i < opts.warmUp; i++) for (const call of Object.values(calls)) await time(call, undefined);
  for (let round = 0; round < opts.rounds; round++) {
    for (const [name, call] of Object.entries(calls)) {
      for (let i = 0; i < opts.perRound; i++) await time(call, samples[name]);
    }
  }
  return samples;
}

/** The q-quantile (0..1) of `xs`, nearest rank below. */
export function quantile(xs: readonly number[], q: number): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))] ?? Number.NaN;
}

/** One printed line: label, p50 and p99 in µs. */
export function latencyRow(label: string, xs: readonly number[], width = 34): string {
  return `${label.padEnd(width)} p50 ${quantile(xs, 0.5).toFixed(0).padStart(6)} µs   p99 ${quantile(xs, 0.99).toFixed(0).padStart(6)} µs`;
}
