/**
 * The same synthetic trace history generated inside Postgres and inside ClickHouse (server-side, so loading
 * 10,000,000 rows takes minutes, not hours), for timing the console's chart queries on both. Row i: a time
 * spread evenly over `days` days ending at `end`; one of 40 tools, skewed (a few busy, many quiet); latency
 * 1–401 ms with a long tail; 5% errors and 1% timeouts; zones dev/prod; a trace id. Both databases compute
 * the same values from i with the same integer arithmetic.
 */
const TOOLS = 40;

/** A multiplicative hash of i in [0, 1): the same numbers in both databases (64-bit integer arithmetic). */
const hash = (i: string, k: number, m: number) => `((${i} * ${k}) % ${m})::float8 / ${m}`;

export interface HistoryShape {
  /** Rows numbered from `first` (so several fills add up), `count` of them. */
  first: number;
  count: number;
  /** Total rows of the history (the time step is days / total). */
  total: number;
  end: Date;
  days: number;
}

/** Whole milliseconds between rows, so both databases compute the same times. */
const stepMs = (s: HistoryShape) => Math.max(1, Math.floor((s.days * 86_400_000) / s.total));

export function postgresHistorySql(s: HistoryShape): string {
  const tool = `'tool.' || lpad(floor(${TOOLS} * power(${hash('i', 2654435761, 4294967296)}, 2))::int::text, 2, '0')`;
  return `INSERT INTO traces (id, time, subject, subject_kind, tool, route, target, decision, rule, revision,
      latency_ms, status, args_bytes, result_bytes, args, result, error, zone, trace_id)
    SELECT gen_random_uuid(), timestamptz '${s.end.toISOString()}' - i * ${stepMs(s)} * interval '1 millisecond',
      'agent:bot-' || (i % 10), 'agent', ${tool}, 'pack:github-issues', 'http://github-issues-mcp:8080/mcp',
      'allow', 'readers', 'a1b2c3d', 1 + 400 * power(${hash('i', 40503, 65536)}, 4),
      CASE WHEN i % 20 = 0 THEN 'error' WHEN i % 100 = 1 THEN 'timeout' ELSE 'ok' END, 60, 90,
      jsonb_build_object('owner', 'acme', 'repo', 'web', 'page', i),
      jsonb_build_object('content', jsonb_build_array(jsonb_build_object('type', 'text', 'text', 'Bug ' || i))),
      NULL, CASE WHEN i % 3 = 0 THEN 'prod' ELSE 'dev' END, md5(i::text)
    FROM generate_series(${s.first}::bigint, ${s.first + s.count - 1}::bigint) AS i`;
}

export function clickhouseHistorySql(table: string, s: HistoryShape): string {
  const h = (k: number, m: number) => `((number * ${k}) % ${m}) / ${m}`;
  const ms = `(toUInt64(${s.end.getTime()}) - number * ${stepMs(s)})`;
  const index = `toString(toUInt32(floor(${TOOLS} * pow(${h(2654435761, 4294967296)}, 2))))`;
  return `INSERT INTO ${table} (id, time, time_ms, subject, subject_kind, tool, route, target, decision, rule,
      revision, latency_ms, status, args_bytes, result_bytes, args, result, error, zone, trace_id)
    SELECT generateUUIDv4(), toDateTime(intDiv(${ms}, 1000)), ${ms} % 1000, concat('agent:bot-', toString(number % 10)),
      'agent', concat('tool.', if(length(${index}) < 2, concat('0', ${index}), ${index})),
      'pack:github-issues', 'http://github-issues-mcp:8080/mcp', 'allow', 'readers', 'a1b2c3d',
      1 + 400 * pow(${h(40503, 65536)}, 4),
      multiIf(number % 20 = 0, 'error', number % 100 = 1, 'timeout', 'ok'), 60, 90,
      concat('{"owner":"acme","page":', toString(number), ',"repo":"web"}'),
      concat('{"content":[{"text":"Bug ', toString(number), '","type":"text"}]}'),
      NULL, if(number % 3 = 0, 'prod', 'dev'), lower(hex(MD5(toString(number))))
    FROM (SELECT number + ${s.first} AS number FROM system.numbers LIMIT ${s.count})`;
}
