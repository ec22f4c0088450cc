/**
 * Reads an A2A Agent Card (the JSON an agent publishes at /.well-known/agent-card.json) into the little the
 * importer needs: its interfaces, skills and security schemes. Accepts the v1.0 card (supportedInterfaces;
 * security schemes as protobuf JSON, `{ httpAuthSecurityScheme: {...} }`, or as the JS SDK serialises them,
 * `{ scheme: { $case, value } }`) and the v0.3 card (url + preferredTransport + additionalInterfaces; security
 * schemes shaped like OpenAPI's). Pure; a bad card is a UserError naming the field.
 */
import { UserError } from '@raku/config';

export interface CardInterface {
  url: string;
  /** 'JSONRPC', 'HTTP+JSON', 'GRPC' or another binding the card names. */
  binding: string;
  /** Major.minor: '1.0', '0.3'. */
  protocolVersion: string;
}

export interface CardSkill {
  id: string;
  name: string;
  description: string;
  tags: string[];
  examples: string[];
  /** Media types the skill accepts (its own, else the card's defaults). */
  inputModes: string[];
}

/** A security scheme in OpenAPI's terms, whichever card version it came from. */
export interface CardScheme {
  name: string;
  type: 'http' | 'apiKey' | 'oauth2' | 'openIdConnect' | 'mutualTLS' | 'unknown';
  /** http: 'bearer', 'basic' (lower case). */
  scheme?: string;
  /** apiKey: where and under which name. */
  in?: string;
  paramName?: string;
  /** oauth2: the client-credentials token URL, when the scheme offers that flow. */
  tokenUrl?: string;
  scopes?: string[];
}

export interface AgentCardSummary {
  name: string;
  description: string;
  version: string;
  interfaces: CardInterface[];
  skills: CardSkill[];
  schemes: CardScheme[];
  /** Scheme names of the card's first security requirement (what a caller must present). */
  required: string[];
  /** `capabilities.streaming`: the agent answers SendStreamingMessage with an event stream. */
  streaming: boolean;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s) => typeof s === 'string') : []);

/** The card's summary; throws a UserError naming `source` and the field when the card lacks what a pack needs. */
export function readAgentCard(card: unknown, source: string): AgentCardSummary {
  const bad = (field: string, what: string) => new UserError(`${source}: ${field} ${what}`);
  if (!isObj(card)) throw bad('(card)', 'is not a JSON object: not an A2A Agent Card');
  const text = (field: string): string => {
    const v = card[field];
    if (typeof v !== 'string' || v.trim() === '') throw bad(field, 'is missing: not an A2A Agent Card');
    return v;
  };
  const name = text('name');
  const description = text('description');
  const version = typeof card['version'] === 'string' ? card['version'] : '';
  const interfaces = cardInterfaces(card);
  if (interfaces.length === 0) throw bad('supportedInterfaces', 'is empty: the card names no URL to call');
  const defaults = strings(card['defaultInputModes']);
  if (!Array.isArray(card['skills']) || card['skills'].length === 0) {
    throw bad('skills', 'is empty: an agent without skills gives a pack without tools');
  }
  const skills = card['skills'].map((s, i): CardSkill => {
    if (!isObj(s) || typeof s['id'] !== 'string' || s['id'] === '')
      throw bad(`skills[${i}].id`, 'is missing');
    const modes = strings(s['inputModes']);
    return {
      id: s['id'],
      name: typeof s['name'] === 'string' ? s['name'] : s['id'],
      description: typeof s['description'] === 'string' ? s['description'] : '',
      tags: strings(s['tags']),
      examples: strings(s['examples']),
      inputModes: modes.length > 0 ? modes : defaults,
    };
  });
  const schemes = Object.entries(isObj(card['securitySchemes']) ? card['securitySchemes'] : {}).map(
    ([schemeName, def]) => cardScheme(schemeName, def),
  );
  const streaming = isObj(card['capabilities']) && card['capabilities']['streaming'] === true;
  return {
    name,
    description,
    version,
    interfaces,
    skills,
    schemes,
    required: firstRequirement(card),
    streaming,
  };
}

function cardInterfaces(card: Obj): CardInterface[] {
  if (Array.isArray(card['supportedInterfaces']) && card['supportedInterfaces'].length > 0) {
    return card['supportedInterfaces'].filter(isObj).flatMap((i) =>
      typeof i['url'] === 'string'
        ? [
            {
              url: i['url'],
              binding: String(i['protocolBinding'] ?? i['transport'] ?? 'JSONRPC'),
              protocolVersion: majorMinor(String(i['protocolVersion'] ?? '1.0')),
            },
          ]
        : [],
    );
  }
  // v0.3: the main URL and its transport, then any additional interfaces, all of the card's version.
  if (typeof card['url'] !== 'string') return [];
  const version = majorMinor(String(card['protocolVersion'] ?? '0.3'));
  const main = {
    url: card['url'],
    binding: String(card['preferredTransport'] ?? 'JSONRPC'),
    protocolVersion: version,
  };
  const more = (Array.isArray(card['additionalInterfaces']) ? card['additionalInterfaces'] : [])
    .filter(isObj)
    .flatMap((i) =>
      typeof i['url'] === 'string'
        ? [{ url: i['url'], binding: String(i['transport'] ?? 'JSONRPC'), protocolVersion: version }]
        : [],
    );
  return [main, ...more];
}

function majorMinor(v: string): string {
  const m = /^(\d+)\.(\d+)/.exec(v);
  return m ? `${m[1]}.${m[2]}` : v;
}

const V1_CASES: Readonly<Record<string, CardScheme['type']>> = {
  httpAuthSecurityScheme: 'http',
  apiKeySecurityScheme: 'apiKey',
  oauth2SecurityScheme: 'oauth2',
  openIdConnectSecurityScheme: 'openIdConnect',
  mtlsSecurityScheme: 'mutualTLS',
};

function cardScheme(name: string, def: unknown): CardScheme {
  if (!isObj(def)) return { name, type: 'unknown' };
  let type: CardScheme['type'] = 'unknown';
  let body: Obj = def;
  const sdk = isObj(def['scheme']) ? def['scheme'] : undefined;
  if (sdk && typeof sdk['$case'] === 'string' && isObj(sdk['value'])) {
    type = V1_CASES[sdk['$case']] ?? 'unknown';
    body = sdk['value'];
  } else if (typeof def['type'] === 'string') {
    type =
      (['http', 'apiKey', 'oauth2', 'openIdConnect', 'mutualTLS'] as const).find((t) => t === def['type']) ??
      'unknown';
  } else {
    const key = Object.keys(def).find((k) => k in V1_CASES);
    if (key && isObj(def[key])) {
      type = V1_CASES[key] ?? 'unknown';
      body = def[key];
    }
  }
  const out: CardScheme = { name, type };
  if (type === 'http' && typeof body['scheme'] === 'string') out.scheme = body['scheme'].toLowerCase();
  if (type === 'apiKey') {
    const where = body['in'] ?? body['location'];
    if (typeof where === 'string') out.in = where;
    if (typeof body['name'] === 'string') out.paramName = body['name'];
  }
  if (type === 'oauth2') {
    const flows = isObj(body['flows']) ? body['flows'] : {};
    // v0.3 / OpenAPI: flows.clientCredentials; v1.0 protobuf JSON: flows.clientCredentials too (oneof field).
    const cc = isObj(flows['clientCredentials'])
      ? flows['clientCredentials']
      : isObj(flows['flow']) && (flows['flow'] as Obj)['$case'] === 'clientCredentials'
        ? ((flows['flow'] as Obj)['value'] as Obj)
        : undefined;
    if (cc && typeof cc['tokenUrl'] === 'string') {
      out.tokenUrl = cc['tokenUrl'];
      out.scopes = Object.keys(isObj(cc['scopes']) ? cc['scopes'] : {}).sort();
    }
  }
  return out;
}

function firstRequirement(card: Obj): string[] {
  const v1 = Array.isArray(card['securityRequirements']) ? card['securityRequirements'][0] : undefined;
  if (isObj(v1) && isObj(v1['schemes'])) return Object.keys(v1['schemes']);
  const v03 = Array.isArray(card['security']) ? card['security'][0] : undefined;
  return isObj(v03) ? Object.keys(v03) : [];
}
