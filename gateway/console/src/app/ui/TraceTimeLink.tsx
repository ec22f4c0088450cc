/**
 * A call's time as the link to its trace, naming the tool for screen readers (the visible text stays the time:
 * no aria-label that would hide it). Used by every list of calls.
 */
import { Link } from './Link.tsx';
import { TimeAgo } from './TimeAgo.tsx';

export function TraceTimeLink({ trace }: { trace: { id: string; time: string; tool: string } }) {
  return (
    <Link to={`/traces/${encodeURIComponent(trace.id)}`}>
      <TimeAgo time={trace.time} />
      <span className="visually-hidden">: call of {trace.tool}</span>
    </Link>
  );
}
