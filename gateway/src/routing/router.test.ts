import { type CallToolResult, STATUS_META } from '@raku/pack-runtime';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.ts';
import { type Candidate, candidatesFor, NoRouteError, Router, VersionRequestError } from './router.ts';
import { type Target, TargetError, UnsendableCallError } from './targets.ts';

function target(id: string, behaviour: (n: number) => CallToolResult | Error): Target & { calls: number } {
  const t = {
    id,
    calls: 0,
    async call() {
      const out = behaviour(++t.calls);
      if (out instanceof Error) throw out;
      return out;
    },
  };
  return t;
}

const ok = (text: string): CallToolResult => ({ content: [{ type: 'text', text }] });

function setup(candidates: Candidate[], unavailable: string[] = []) {
  const breakers = new Map<string, CircuitBreaker>();
  const router = new Router({
    breaker: (id) =>
      breakers.get(id) ?? breakers.set(id, new CircuitBreaker({ failureThreshold: 2 })).get(id)!,
    availability: (c) =>
      unavailable.includes(c.target.id) ? { ok: false, reason: 'health check failed' } : { ok: true },
  });
  const call = (idempotent: boolean) =>
    router.call(candidates, {
      tool: 't.x',
      args: {},
      idempotent,
      signal: new AbortController().signal,
      timeoutMs: () => 100,
    });
  return { call, breakers };
}

describe('Router', () => {
  it('retries an idempotent tool once on the same target, then moves to the next candidate', async () => {
    const a = target('a', () => new TargetError('timeout', 'a did not answer in time'));
    const b = target('b', () => ok('from b'));
    const { call } = setup([
      { target: a, tool: 'x', route: 'pack:p@1' },
      { target: b, tool: 'x', route: 'remote:r' },
    ]);
    const out = await call(true);
    expect(out).toMatchObject({ route: 'remote:r', target: 'b', attempts: 3 });
    expect(a.calls).toBe(2);
  });

  it('does not resend a non-idempotent call that may have run', async () => {
    const a = target('a', () => new TargetError('timeout', 'a did not answer in time'));
    const b = target('b', () => ok('from b'));
    const { call } = setup([
      { target: a, tool: 'x', route: 'pack:p@1' },
      { target: b, tool: 'x', route: 'remote:r' },
    ]);
    const err = await call(false).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoRouteError);
    expect((err as NoRouteError).message).toBe(
      'no route left for t.x: pack:p@1 (a) failed: a did not answer in time; not retried elsewhere: the tool is not idempotent and may have run',
    );
    expect((err as NoRouteError).timedOut).toBe(true);
    expect(a.calls).toBe(1);
    expect(b.calls).toBe(0);
  });

  it('moves a non-idempotent call on when the first target was never reached', async () => {
    const a = target('a', () => new TargetError('unreachable', 'a is unreachable (ECONNREFUSED)'));
    const b = target('b', () => ok('from b'));
    const { call } = setup([
      { target: a, tool: 'x', route: 'pack:p@1' },
      { target: b, tool: 'x', route: 'remote:r' },
    ]);
    expect(await call(false)).toMatchObject({ target: 'b' });
    expect(a.calls).toBe(1);
  });

  it('skips unavailable targets and open breakers, and says why when nothing is left', async () => {
    const a = target('a', () => new TargetError('failed', 'a failed: boom'));
    const b = target('b', () => ok('from b'));
    const { call, breakers } = setup(
      [
        { target: a, tool: 'x', route: 'pack:p@1' },
        { target: b, tool: 'x', route: 'remote:r' },
      ],
      ['b'],
    );
    await expect(call(true)).rejects.toThrow(
      'no route left for t.x: pack:p@1 (a) failed: a failed: boom; pack:p@1 (a) failed: a failed: boom; remote:r (b) skipped: health check failed',
    );
    expect(breakers.get('a')?.state).toBe('open');
    await expect(call(true)).rejects.toThrow('pack:p@1 (a) skipped: circuit breaker open');
    expect(a.calls).toBe(2);
  });
});

describe('Router: caller errors are not target failures', () => {
  const fallback = () => target('b', () => ok('from b'));

  it('ends the route on a tool error the target answered: no retry, no fallback, the breaker sees a success', async () => {
    const a = target('a', () => ({ content: [{ type: 'text', text: 'bad id' }], isError: true }));
    const b = fallback();
    const { call, breakers } = setup([
      { target: a, tool: 'x', route: 'pack:p@1' },
      { target: b, tool: 'x', route: 'remote:r' },
    ]);
    for (let i = 0; i < 5; i++) expect((await call(true)).result.isError).toBe(true);
    expect([a.calls, b.calls]).toEqual([5, 0]);
    expect(breakers.get('a')?.state).toBe('closed');
  });

  it('answers a call that could not be made as a tool error, and leaves the breaker, retries and fallback alone', async () => {
    const thrown = [
      new UnsendableCallError('the arguments cannot be sent to a: Maximum call stack size exceeded'),
      new URIError('URI malformed'),
      new TypeError('Invalid character in header content ["x-trace"]'),
    ];
    const a = target('a', (n) => thrown[(n - 1) % thrown.length]!);
    const b = fallback();
    const { call, breakers } = setup([
      { target: a, tool: 'x', route: 'pack:p@1' },
      { target: b, tool: 'x', route: 'remote:r' },
    ]);
    const results = [];
    for (let i = 0; i < 6; i++) results.push((await call(true)).result);
    expect([a.calls, b.calls]).toEqual([6, 0]);
    expect(breakers.get('a')?.state).toBe('closed');
    expect(results[0]).toEqual({
      content: [
        { type: 'text', text: 'the arguments cannot be sent to a: Maximum call stack size exceeded' },
      ],
      isError: true,
      _meta: { [STATUS_META]: 'invalid' },
    });
    expect(results[1]).toEqual({ content: [{ type: 'text', text: 'URI malformed' }], isError: true });
  });

  it('frees a half-open trial without a verdict when the trial call could not be made', async () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 1000, now: () => now });
    breaker.failure();
    now = 1000;
    let calls = 0;
    const a: Target = {
      id: 'a',
      call: async () => {
        calls++;
        if (calls === 1) throw new UnsendableCallError('cannot send');
        return ok('a');
      },
    };
    const router = new Router({ breaker: () => breaker, availability: () => ({ ok: true }) });
    const call = () =>
      router.call([{ target: a, tool: 'x', route: 'pack:p@1' }], {
        tool: 't.x',
        args: {},
        idempotent: true,
        signal: new AbortController().signal,
        timeoutMs: () => 100,
      });
    expect((await call()).result.isError).toBe(true);
    expect(breaker.state).toBe('half-open');
    // The next caller gets the trial (it was not left taken), and its success closes the breaker.
    expect((await call()).result).toEqual(ok('a'));
    expect(breaker.state).toBe('closed');
  });
});

describe('candidatesFor (pack version preference)', () => {
  const idle = (id: string) => target(id, () => ok(id));
  const pack = (version: string): Candidate => ({
    target: idle(`http://widgets-${version}`),
    tool: 'w.get',
    route: `pack:widgets@${version}`,
    pack: { name: 'widgets', version },
  });
  const remote: Candidate = { target: idle('https://partner'), tool: 'get', route: 'remote:partner' };
  const routes = (list: readonly Candidate[]) => list.map((c) => c.route);

  it('puts the newest pack server first and keeps third-party fallbacks after the packs', () => {
    expect(routes(candidatesFor('w.get', [pack('1.2.0'), remote, pack('1.10.0')], undefined))).toEqual([
      'pack:widgets@1.10.0',
      'pack:widgets@1.2.0',
      'remote:partner',
    ]);
    const single = [pack('1.0.0'), remote];
    expect(candidatesFor('w.get', single, undefined)).toBe(single);
  });

  it('keeps only pack servers in the requested range, newest first, and no third-party fallback', () => {
    const all = [pack('1.2.0'), pack('2.0.0'), pack('1.4.1'), remote];
    expect(routes(candidatesFor('w.get', all, '^1.2'))).toEqual(['pack:widgets@1.4.1', 'pack:widgets@1.2.0']);
    expect(routes(candidatesFor('w.get', all, '2.x'))).toEqual(['pack:widgets@2.0.0']);
  });

  it('says why a requested version cannot be served', () => {
    expect(() => candidatesFor('w.get', [pack('1.0.0'), remote], '^2.0.0')).toThrow(
      new VersionRequestError(
        'w.get: no pack server of a version in "^2.0.0" (this zone serves widgets@1.0.0)',
      ),
    );
    expect(() => candidatesFor('w.get', [remote], '1')).toThrow(
      /third-party server, which has no pack version/,
    );
    expect(() => candidatesFor('w.get', [pack('1.0.0')], 'latest please')).toThrow(
      '"latest please" is not a semver range',
    );
  });
});

describe('CircuitBreaker', () => {
  it('opens after the threshold, lets one trial through after openMs, and closes on success', () => {
    let now = 0;
    const states: string[] = [];
    const breaker = new CircuitBreaker({
      failureThreshold: 2,
      openMs: 1000,
      now: () => now,
      onChange: (s) => states.push(s),
    });
    breaker.failure();
    expect(breaker.tryAcquire()).toBe(true);
    breaker.failure();
    expect(breaker.tryAcquire()).toBe(false);
    now = 1000;
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false);
    breaker.failure();
    expect(breaker.state).toBe('open');
    now = 2000;
    expect(breaker.tryAcquire()).toBe(true);
    breaker.success();
    expect(breaker.state).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
  });
});
