/**
 * A status as a word in a coloured pill: the word is always there, so colour is never the only signal.
 * The tone comes from the status name (ok/healthy/approved… good; error/denied/open… bad; pending/running… busy).
 */

type Tone = 'good' | 'bad' | 'busy' | 'neutral';

const TONES: Readonly<Record<string, Tone>> = {
  ok: 'good',
  success: 'good',
  succeeded: 'good',
  completed: 'good',
  healthy: 'good',
  ready: 'good',
  approved: 'good',
  allow: 'good',
  allowed: 'good',
  closed: 'good',
  live: 'good',
  error: 'bad',
  failed: 'bad',
  denied: 'bad',
  deny: 'bad',
  rejected: 'bad',
  unhealthy: 'bad',
  down: 'bad',
  open: 'bad',
  invalid: 'bad',
  timeout: 'bad',
  drift: 'bad',
  expired: 'neutral',
  cancelled: 'neutral',
  pending: 'busy',
  running: 'busy',
  queued: 'busy',
  waiting: 'busy',
  'half-open': 'busy',
  degraded: 'busy',
  progressing: 'busy',
  gated: 'busy',
};

export function StatusBadge({ status, label }: { status: string; label?: string }) {
  const tone = TONES[status.toLowerCase()] ?? 'neutral';
  return <span className={`badge badge-${tone}`}>{label ?? status}</span>;
}
