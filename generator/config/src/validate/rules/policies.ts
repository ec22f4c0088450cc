import { exposedToolName, toolPatternMatcher } from '../../model/names.ts';
import type { Condition } from '../../model/types.ts';
import type { Rule } from './context.ts';

/** Every tool name any zone could serve: pack tools and remote tools. */
function knownTools(ctx: Parameters<Rule>[0]): { names: string[]; sensitive: Map<string, string> } {
  const names = new Set<string>();
  const sensitive = new Map<string, string>();
  for (const { file, value: pack } of ctx.model.packs) {
    for (const tool of pack.tools) {
      const name = exposedToolName(pack, tool);
      names.add(name);
      if (tool.sensitive) sensitive.set(name, file);
    }
  }
  for (const { file, value: zone } of ctx.model.zones) {
    for (const remote of zone.remotes ?? []) {
      for (const tool of remote.tools) {
        const name = `${remote.name}.${tool.name}`;
        names.add(name);
        if (tool.sensitive) sensitive.set(name, file);
      }
    }
  }
  return { names: [...names].sort(), sensitive };
}

/**
 * Policies refer to what exists: bindings name roles of the policy, rule names are unique, tool patterns
 * match at least one tool (a pattern matching nothing is usually a typo), and every sensitive tool has an approver.
 */
export const policyReferences: Rule = (ctx) => {
  const { names, sensitive } = knownTools(ctx);
  const packsLoaded =
    ctx.model.packs.length > 0 && ![...ctx.rejectedFiles].some((f) => f.startsWith('packs/'));
  const approved = new Set<string>();
  for (const { file, value: policy } of ctx.model.policies) {
    const roleNames = new Set<string>();
    (policy.roles ?? []).forEach((role, i) => {
      if (roleNames.has(role.name))
        ctx.report(file, ['roles', i, 'name'], 'unique-name', `role "${role.name}" is defined twice`);
      roleNames.add(role.name);
    });
    (policy.bindings ?? []).forEach((b, i) => {
      if (!roleNames.has(b.role))
        ctx.report(
          file,
          ['bindings', i, 'role'],
          'policy-role-exists',
          `role "${b.role}" is not defined in this policy`,
        );
    });
    for (const section of ['denies', 'approvals', 'rateLimits'] as const) {
      const seen = new Set<string>();
      (policy[section] ?? []).forEach((rule, i) => {
        if (seen.has(rule.name))
          ctx.report(
            file,
            [section, i, 'name'],
            'unique-name',
            `rule "${rule.name}" is defined twice in ${section}`,
          );
        seen.add(rule.name);
      });
    }
    const checkPatterns = (patterns: readonly string[] | undefined, at: (string | number)[]) => {
      patterns?.forEach((pattern, j) => {
        const match = toolPatternMatcher(pattern);
        if (packsLoaded && !names.some(match)) {
          ctx.report(
            file,
            [...at, j],
            'policy-tool-exists',
            `pattern "${pattern}" matches no tool of any pack or remote`,
            'warning',
          );
        }
      });
    };
    (policy.roles ?? []).forEach((r, i) => {
      checkPatterns(r.tools, ['roles', i, 'tools']);
    });
    (policy.denies ?? []).forEach((r, i) => {
      checkPatterns(r.tools, ['denies', i, 'tools']);
    });
    (policy.rateLimits ?? []).forEach((r, i) => {
      checkPatterns(r.tools, ['rateLimits', i, 'tools']);
    });
    (policy.approvals ?? []).forEach((r, i) => {
      checkPatterns(r.tools, ['approvals', i, 'tools']);
      const matchers = r.tools.map(toolPatternMatcher);
      for (const name of names) if (matchers.some((m) => m(name))) approved.add(name);
    });
  }
  // With a policy that failed to load, an approval rule may be missing only from our view.
  if ([...ctx.rejectedFiles].some((f) => f.startsWith('policies/'))) return;
  for (const [name, file] of sensitive) {
    if (approved.has(name)) continue;
    const pack = ctx.model.packs.find((p) => p.file === file);
    const index = pack?.value.tools.findIndex((t) => exposedToolName(pack.value, t) === name) ?? -1;
    ctx.report(
      file,
      index >= 0 ? ['tools', index, 'sensitive'] : [],
      'approval-exists',
      `sensitive tool "${name}" has no approval rule in any policy, so every call to it will be refused`,
      'warning',
    );
  }
};

/**
 * A condition on `args.<name>` names an argument that at least one tool the rule covers has. Conditions
 * fail closed — an allow whose argument never exists never applies, a deny on it always does — so a typo
 * ('args.ownr') silently changes access; this catches it. Tools whose arguments are not known (remote
 * tools, schemas without `properties`) count as having every argument.
 */
export const policyConditionArgs: Rule = (ctx) => {
  if (ctx.model.packs.length === 0 || [...ctx.rejectedFiles].some((f) => f.startsWith('packs/'))) return;
  const argsOf = new Map<string, Set<string> | 'any'>();
  for (const { value: pack } of ctx.model.packs) {
    for (const tool of pack.tools) {
      const props = tool.inputSchema.properties;
      const known = typeof props === 'object' && props !== null ? new Set(Object.keys(props)) : 'any';
      argsOf.set(exposedToolName(pack, tool), known);
    }
  }
  for (const { value: zone } of ctx.model.zones)
    for (const remote of zone.remotes ?? [])
      for (const tool of remote.tools) argsOf.set(`${remote.name}.${tool.name}`, 'any');
  const names = [...argsOf.keys()].sort();
  const check = (
    file: string,
    patterns: readonly string[],
    when: Condition[] | undefined,
    at: (string | number)[],
  ) => {
    if (!when?.some((c) => c.field.startsWith('args.'))) return;
    const matchers = patterns.map(toolPatternMatcher);
    const covered = names.filter((n) => matchers.some((m) => m(n)));
    if (covered.length === 0) return; // policy-tool-exists reports the pattern
    when?.forEach((condition, j) => {
      if (!condition.field.startsWith('args.')) return;
      const arg = condition.field.split('.')[1] ?? '';
      if (
        covered.some((n) => {
          const a = argsOf.get(n);
          return a === 'any' || a?.has(arg);
        })
      )
        return;
      const list = covered.length > 3 ? `${covered.slice(0, 3).join(', ')}, …` : covered.join(', ');
      ctx.report(
        file,
        [...at, 'when', j, 'field'],
        'policy-arg-exists',
        `no tool this rule covers (${list}) has an argument "${arg}", so the condition can never be evaluated`,
        'warning',
      );
    });
  };
  for (const { file, value: policy } of ctx.model.policies) {
    const roles = new Map((policy.roles ?? []).map((r) => [r.name, r.tools]));
    (policy.bindings ?? []).forEach((b, i) => {
      check(file, roles.get(b.role) ?? [], b.when, ['bindings', i]);
    });
    (policy.denies ?? []).forEach((d, i) => {
      check(file, d.tools, d.when, ['denies', i]);
    });
  }
};
