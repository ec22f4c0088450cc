/**
 * CPU time of one thread of this process, from /proc (Linux). Benchmarks on a shared machine report latency
 * that mostly measures how long each thread waited for a core; the CPU a thread spent per request does not
 * depend on that wait, so it compares runs taken under different load. Node 20 has no per-thread CPU clock
 * (process.threadCpuUsage came in Node 23.9), hence /proc.
 */
import { readFileSync } from 'node:fs';

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat, 100 on every Linux architecture Node supports. */
const TICKS_PER_SECOND = 100;

/** The id of the calling thread (a Linux tid), or null where /proc is missing. */
export function currentThreadId(): number | null {
  try {
    return Number(readFileSync('/proc/thread-self/stat', 'utf8').split(' ', 1)[0]);
  } catch {
    return null;
  }
}

/** User + system CPU of thread `tid` of this process, in ms (10 ms resolution); null where /proc is missing. */
export function threadCpuMs(tid: number | null): number | null {
  if (tid === null) return null;
  try {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // Fields after the parenthesised command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}
