import { exposedToolName, toolPatternMatcher } from '../../model/names.ts';
import { sharedGrant } from '../../model/tenant-view.ts';
import type { Condition } from '../../model/types.ts';
import type { Rule } from './context.ts';

/** One tool any zone could serve: its exposed name, its pack or remote, the owning tenant (undefined: shared). */
interface KnownTool {
  name: string;
  /** The pack or remote serving it (what a tenant's `shared` list names). */
  server: string;
  tenant: string | undefined;
  file: string;
  sensitive: boolean;
  /**
   * The tool's input schema `properties` (its arguments are their names); 'any' when unknown (remote tools,
   * input schemas without `properties`).
   */
  args: object | 'any';
}

/** The tools of a run's model, listed once for the two rules that ask (policyReferences, policyConditionArgs). */
const knownToolsOf = new WeakMap<Parameters<Rule>[0], KnownTool[]>();

/** Every tool any zone could serve: pack tools (with their owning tenant) and remote tools (always shared). */
function knownTools(ctx: Parameters<Rule>[0]): KnownTool[] {
  let tools = knownToolsOf.get(ctx);
  if (!tools) {
    tools = listKnownTools(ctx);
    knownToolsOf.set(ctx, tools);
  }
  return tools;
}

function listKnownTools(ctx: Parameters<Rule>[0]): KnownTool[] {
  const tools: KnownTool[] = [];
  for (const { file, value: pack } of ctx.model.packs)
    for (const tool of pack.tools) {
      const props = tool.inputSchema.properties;
      tools.push({
        name: exposedToolName(pack, tool),
        server: pack.name,
        tenant: pack.tenant,
        file,
        sensitive: tool.sensitive === true,
        args: typeof props === 'object' && props !== null ? props : 'any',
      });
    }
  for (const { file, value: zone } of ctx.model.zones)
    for (const remote of zone.remotes ?? [])
      for (const tool of remote.tools)
        tools.push({
          name: `${remote.name}.${tool.name}`,
          server: remote.name,
          tenant: undefined,
          file,
          sensitive: tool.sensitive === true,
          args: 'any',
        });
  return tools;
}

/**
 * Policies refer to what exists: bindings name roles of the policy, rule names are unique, tool patterns
 * match at least one tool (a pattern matching nothing is usually a typo; for a tenant's policy, a tool that
 * tenant can call), and every sensitive tool has an approver (for a tenant's tool, in an organisation-wide
 * policy or one of that tenant).
 */
export const policyReferences: Rule = (ctx) => {
  const tools = knownTools(ctx);
  const packsLoaded =
    ctx.model.packs.length > 0 && ![...ctx.rejectedFiles].some((f) => f.startsWith('packs/'));
  const approved = new Set<KnownTool>();
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
    const inScope = tools.filter(inScopeOf(ctx, policy.tenant));
    // A tenant whose file failed to load has lost its grants in our view only; its own errors say enough.
    const viewKnown = policy.tenant === undefined || !tenantRejected(ctx, policy.tenant);
    const names = [...new Set(inScope.map((t) => t.name))].sort();
    const nowhere =
      policy.tenant === undefined ? 'of any pack or remote' : `tenant "${policy.tenant}" can call`;
    const checkPatterns = (patterns: readonly string[] | undefined, at: (string | number)[]) => {
      patterns?.forEach((pattern, j) => {
        const match = toolPatternMatcher(pattern);
        if (packsLoaded && viewKnown && !names.some(match)) {
          ctx.report(
            file,
            [...at, j],
            'policy-tool-exists',
            `pattern "${pattern}" matches no tool ${nowhere}`,
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
      for (const tool of inScope) if (matchers.some((m) => m(tool.name))) approved.add(tool);
    });
  }
  // With a policy that failed to load, an approval rule may be missing only from our view.
  if ([...ctx.rejectedFiles].some((f) => f.startsWith('policies/'))) return;
  const reported = new Set<string>();
  // Looked up by file for each report: a search of every pack per report was quadratic in the packs.
  const packByFile = new Map<string, (typeof ctx.model.packs)[number]>();
  for (const p of ctx.model.packs) if (!packByFile.has(p.file)) packByFile.set(p.file, p);
  for (const tool of tools) {
    const key = `${tool.file}|${tool.name}`;
    if (!tool.sensitive || approved.has(tool) || reported.has(key)) continue;
    reported.add(key);
    const pack = packByFile.get(tool.file);
    const index = pack?.value.tools.findIndex((t) => exposedToolName(pack.value, t) === tool.name) ?? -1;
    const where =
      tool.tenant === undefined
        ? 'any policy'
        : `an organisation-wide policy or a policy of tenant "${tool.tenant}"`;
    ctx.report(
      tool.file,
      index >= 0 ? ['tools', index, 'sensitive'] : [],
      'approval-exists',
      `sensitive tool "${tool.name}" has no approval rule in ${where}, so every call to it will be refused`,
      'warning',
    );
  }
};

function tenantRejected(ctx: Parameters<Rule>[0], tenant: string): boolean {
  return ctx.rejectedFiles.has(`tenants/${tenant}.yaml`) || ctx.rejectedFiles.has(`tenants/${tenant}.yml`);
}

/**
 * Which tools a policy's rules can apply to: every tool for an organisation-wide policy (no tenant); for a
 * tenant's policy, the tools of that tenant's view in any environment (its own packs, the shared packs and
 * remotes it is granted), since its rules never apply to another tenant's calls.
 */
function inScopeOf(ctx: Parameters<Rule>[0], tenant: string | undefined): (tool: KnownTool) => boolean {
  if (tenant === undefined) return () => true;
  const granted = sharedGrant(ctx.model, tenant);
  return (t) => t.tenant === tenant || (t.tenant === undefined && granted(t.server));
}

/**
 * A condition on `args.<name>` names an argument that at least one tool the rule covers has. Conditions
 * fail closed — an allow whose argument never exists never applies, a deny on it always does — so a typo
 * ('args.ownr') silently changes access; this catches it. Tools whose arguments are not known (remote
 * tools, schemas without `properties`) count as having every argument.
 */
export const policyConditionArgs: Rule = (ctx) => {
  if (ctx.model.packs.length === 0 || [...ctx.rejectedFiles].some((f) => f.startsWith('packs/'))) return;
  const tools = knownTools(ctx);
  const check = (
    file: string,
    scope: readonly KnownTool[],
    patterns: readonly string[],
    when: Condition[] | undefined,
    at: (string | number)[],
  ) => {
    if (!when?.some((c) => c.field.startsWith('args.'))) return;
    const matchers = patterns.map(toolPatternMatcher);
    const covered = scope.filter((t) => matchers.some((m) => m(t.name)));
    if (covered.length === 0) return; // policy-tool-exists reports the pattern
    when?.forEach((condition, j) => {
      if (!condition.field.startsWith('args.')) return;
      const arg = condition.field.split('.')[1] ?? '';
      // Own and enumerable: exactly the names Object.keys would list.
      if (covered.some((t) => t.args === 'any' || Object.prototype.propertyIsEnumerable.call(t.args, arg)))
        return;
      const names = [...new Set(covered.map((t) => t.name))].sort();
      const list = names.length > 3 ? `${names.slice(0, 3).join(', ')}, …` : names.join(', ');
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
    const scope = tools.filter(inScopeOf(ctx, policy.tenant));
    const roles = new Map((policy.roles ?? []).map((r) => [r.name, r.tools]));
    (policy.bindings ?? []).forEach((b, i) => {
      check(file, scope, roles.get(b.role) ?? [], b.when, ['bindings', i]);
    });
    (policy.denies ?? []).forEach((d, i) => {
      check(file, scope, d.tools, d.when, ['denies', i]);
    });
  }
};
