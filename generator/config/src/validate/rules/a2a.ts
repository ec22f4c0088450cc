import type { Rule } from './context.ts';

/**
 * An A2A pack (upstream.a2a) and its tools agree: every tool calls a skill (`a2a`), never an HTTP request,
 * and takes its message as a string `message` argument (the pack runtime sends it as the A2A message's text
 * part); a tool of an HTTP pack has no `a2a`. The schema allows either mapping per tool; only the pack knows
 * which one its upstream speaks.
 */
export const a2aTools: Rule = (ctx) => {
  for (const { file, value: pack } of ctx.model.packs) {
    const isA2a = pack.upstream.a2a !== undefined;
    pack.tools.forEach((tool, i) => {
      if (isA2a && tool.http !== undefined) {
        ctx.report(
          file,
          ['tools', i, 'http'],
          'a2a-tools',
          `tool "${tool.name}" maps an HTTP request, but the pack's upstream is an A2A agent: call one of its skills with a2a.skill`,
        );
      }
      if (!isA2a && tool.a2a !== undefined) {
        ctx.report(
          file,
          ['tools', i, 'a2a'],
          'a2a-tools',
          `tool "${tool.name}" calls an A2A skill, but the pack has no upstream.a2a (the agent's card URL, protocol version and card hash)`,
        );
      }
      if (isA2a && tool.a2a !== undefined) {
        const props = (tool.inputSchema['properties'] ?? {}) as Record<string, Record<string, unknown>>;
        if (props['message']?.['type'] !== 'string') {
          ctx.report(
            file,
            ['tools', i, 'inputSchema'],
            'a2a-tools',
            `tool "${tool.name}" calls an A2A skill, so its input schema needs a string property "message" (the text sent to the agent)`,
          );
        }
      }
    });
  }
};
