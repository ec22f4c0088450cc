/**
 * The gateway's own A2A Agent Card (A2A 1.0), pure. Two cards, as the protocol intends:
 * - the public card (`/.well-known/agent-card.json`, no token): who the agent is, where and how to call it
 *   (JSON-RPC at /a2a, bearer JWT), and that an authenticated extended card exists; it lists no skills.
 * - the extended card (`GetExtendedAgentCard`, authenticated): the same card whose skills are the tools this
 *   caller may use, filtered by the policy exactly as MCP tools/list is.
 * Tool names and descriptions describe internal APIs, so nobody learns them without a token: the public card
 * discloses no more than the protected-resource metadata does.
 */
import { A2A_PROTOCOL_VERSION, type AgentCard, type AgentSkill } from '@a2a-js/sdk';
import type { McpToolDefinition } from '@raku/pack-runtime';

/** Where the gateway answers A2A JSON-RPC requests. */
export const A2A_PATH = '/a2a';

/** Where the public Agent Card is served (A2A 1.0 §8.2, RFC 8615). */
export const AGENT_CARD_PATH = '/.well-known/agent-card.json';

/**
 * The extension the extended card declares: how to call a skill (a data part `{ skill, arguments }`) and, in
 * its params, each skill's JSON Schema for `arguments` (A2A skills have no input schema of their own).
 */
export const TOOL_CALL_EXTENSION = 'https://raku.dev/a2a/tool-call/v1';

/** What a card says about this gateway. */
export interface CardContext {
  /** The zone the gateway serves. */
  zone: string;
  /** The config revision in use; the card's version. */
  revision: string;
  /** The gateway's base URL as the caller reaches it (no trailing slash): the interface URL is `<base>/a2a`. */
  baseUrl: string;
}

const BEARER = 'bearer';

/** The card anyone may read: no skills, the extended card announced. */
export function publicAgentCard(context: CardContext): AgentCard {
  return {
    name: `raku-gateway:${context.zone}`,
    description:
      `The Raku gateway of zone ${context.zone}: each skill is a tool you may call, under the zone's policy. ` +
      'Authenticate with a bearer token and read the extended card (GetExtendedAgentCard) for your skills.',
    supportedInterfaces: [
      {
        url: `${context.baseUrl}${A2A_PATH}`,
        protocolBinding: 'JSONRPC',
        tenant: '',
        protocolVersion: A2A_PROTOCOL_VERSION,
      },
    ],
    provider: undefined,
    version: context.revision,
    capabilities: { streaming: false, pushNotifications: false, extensions: [], extendedAgentCard: true },
    securitySchemes: {
      [BEARER]: {
        scheme: {
          $case: 'httpAuthSecurityScheme',
          value: {
            scheme: 'Bearer',
            bearerFormat: 'JWT',
            description: "A token of the zone's issuer for this gateway (the same token as for /mcp).",
          },
        },
      },
    },
    securityRequirements: [{ schemes: { [BEARER]: { list: [] } } }],
    defaultInputModes: ['application/json'],
    defaultOutputModes: ['application/json', 'text/plain'],
    skills: [],
    signatures: [],
  };
}

/** The card of an authenticated caller: its skills are `tools`, the tools the policy lets it see. */
export function callerAgentCard(context: CardContext, tools: readonly McpToolDefinition[]): AgentCard {
  const card = publicAgentCard(context);
  return {
    ...card,
    capabilities: {
      ...card.capabilities,
      extensions: [
        {
          uri: TOOL_CALL_EXTENSION,
          description:
            'Send one data part { "skill": "<skill id>", "arguments": { ... } }; params.inputSchemas holds the ' +
            "JSON Schema of each skill's arguments. The answer is one message: text and data parts.",
          required: false,
          params: { inputSchemas: Object.fromEntries(tools.map((t) => [t.name, t.inputSchema])) },
        },
      ],
    },
    skills: tools.map(skillOf),
  };
}

/** A tool as an A2A skill: its id is the tool's name, its tag the pack (or remote) before the dot. */
export function skillOf(tool: McpToolDefinition): AgentSkill {
  const dot = tool.name.indexOf('.');
  return {
    id: tool.name,
    name: tool.title ?? tool.name,
    description: tool.description ?? '',
    tags: dot > 0 ? [tool.name.slice(0, dot)] : [],
    examples: [],
    inputModes: ['application/json'],
    outputModes: ['application/json', 'text/plain'],
    securityRequirements: [],
  };
}
