/**
 * The V8 heap a Raku container's node runs with, sized from the container's memory limit and set as NODE_OPTIONS
 * in its Deployment (issue 15: a small, flat footprint per replica). Left to itself, node sizes the heap from the
 * memory it detects: the container's limit where libuv reads the cgroup, else the whole machine's, and on a
 * large machine that is a 16 MiB semi-space and an old generation V8 lets grow to several times what is live
 * before a full collection (the soak bench, `npm run bench soak`, measured the gateway at 230–340 MiB of RSS
 * that way at 1,000 calls/s; docs/performance.md). Written out, the sizes are the same wherever the pod runs,
 * visible in the manifest, and what the soak bench runs the gateway with.
 */

/** Bytes per unit of a Kubernetes quantity (schema/zone.schema.json `quantity`). */
const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

const QUANTITY = /^([0-9]+(?:\.[0-9]+)?)(m|k|Ki|Mi|Gi|Ti|M|G|T)?$/;

/** The bytes a Kubernetes memory quantity names ('512Mi', '1G', '268435456'), or undefined if it is not one. */
export function quantityBytes(quantity: string): number | undefined {
  const match = QUANTITY.exec(quantity);
  if (!match) return undefined;
  return Number(match[1]) * (UNITS[match[2] ?? ''] ?? 1);
}

/** The old generation gets this share of the limit; the rest is node itself, code, buffers and the young generation. */
const OLD_SPACE_SHARE = 0.5;
/** Below this the process could not start its runtime; smaller limits get no flags (and fail as they would). */
const MIN_OLD_SPACE_MIB = 64;
/**
 * Each of the young generation's two semi-spaces, in MiB (16 by default on a large machine). Measured in the soak
 * at 1,000 calls/s with the old generation at 256: 2 MiB ran ~47 scavenges a second for no less RSS than 8 MiB,
 * which ran ~10. With the old generation capped, 8 MiB held 24–40 MiB less RSS than node's 16 and most of the
 * options' 25–32% more CPU per call (two rounds, docs/performance.md): the trade the 200 MiB aim asks for; raise
 * it to spend memory instead of CPU.
 */
const SEMI_SPACE_MIB = 8;

/**
 * NODE_OPTIONS for a container with this memory limit: `--max-old-space-size` at half the limit and an 8 MiB
 * `--max-semi-space-size`. Undefined when the limit is not a quantity or too small to size a heap from.
 */
export function nodeHeapOptions(memoryLimit: string): string | undefined {
  const bytes = quantityBytes(memoryLimit);
  if (bytes === undefined) return undefined;
  const oldSpace = Math.floor((bytes / 2 ** 20) * OLD_SPACE_SHARE);
  if (oldSpace < MIN_OLD_SPACE_MIB) return undefined;
  return `--max-old-space-size=${oldSpace} --max-semi-space-size=${SEMI_SPACE_MIB}`;
}
