/**
 * Self time per function of a V8 .cpuprofile (from `node --cpu-prof`), highest first, leaving out the first
 * `skipMs` of the profile (start-up: module loading and compiling, before the load begins):
 *   node --import tsx bench/gateway/summarise-profile.ts <file.cpuprofile> [top=30] [skipMs=0]
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const [file, top = '30', skipMs = '0'] = process.argv.slice(2);
if (!file) throw new Error('usage: summarise-profile.ts <file.cpuprofile> [top]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<string, number>();
let total = 0;
let at = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  at += dt;
  if (at < Number(skipMs) * 1000) return;
  total += dt;
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const where = url.replace(/^.*\/node_modules\//, '').replace(/^.*\/work\/main\//, '');
  const key = `${functionName || '(anonymous)'}  ${where}:${lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + dt);
});
const idle = [...self].filter(([k]) => k.startsWith('(idle)')).reduce((n, [, v]) => n + v, 0);
console.log(`${(total / 1000).toFixed(0)} ms sampled, ${((total - idle) / 1000).toFixed(0)} ms busy`);
for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) {
  console.log(
    `${(us / 1000).toFixed(1).padStart(8)} ms ${((100 * us) / (total - idle)).toFixed(1).padStart(5)}%  ${key}`,
  );
}
