/**
 * A moment as "3 min ago" in a `<time>` element whose title and dateTime hold the exact time. All TimeAgo of the
 * page re-render together twice a minute from one timer.
 */
import { useSyncExternalStore } from 'react';

const listeners = new Set<() => void>();
let now = Date.now();
let timer: ReturnType<typeof setInterval> | undefined;

function subscribe(listener: () => void) {
  listeners.add(listener);
  if (timer === undefined) now = Date.now();
  timer ??= setInterval(() => {
    now = Date.now();
    for (const l of listeners) l();
  }, 30_000);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

/** '12 s ago', '3 min ago', '5 h ago', '2 d ago'; 'in 4 min' for the future. */
export function ago(time: number, from: number): string {
  const seconds = Math.round((from - time) / 1000);
  // Clocks of the gateway and the browser differ by a little: a moment just ahead is still "now".
  if (seconds < 0 && seconds > -5) return 'just now';
  const abs = Math.abs(seconds);
  const text =
    abs < 60
      ? `${abs} s`
      : abs < 3600
        ? `${Math.floor(abs / 60)} min`
        : abs < 86_400
          ? `${Math.floor(abs / 3600)} h`
          : `${Math.floor(abs / 86_400)} d`;
  return seconds >= 0 ? `${text} ago` : `in ${text}`;
}

export function TimeAgo({ time }: { time: string | number | Date | null | undefined }) {
  // The shared tick only triggers re-renders; the text is computed from the clock at render time, so a row
  // rendered between ticks (a live trace) never reads "in 12 s".
  useSyncExternalStore(subscribe, () => now);
  const current = Date.now();
  if (time === null || time === undefined) return <span className="muted">never</span>;
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) return <span className="muted">unknown</span>;
  return (
    <time dateTime={date.toISOString()} title={date.toLocaleString()}>
      {ago(date.getTime(), current)}
    </time>
  );
}
