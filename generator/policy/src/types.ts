/**
 * The compiled policy of one environment and the decisions made from it. Everything here is plain
 * JSON-serialisable data: the compiled policy is written into the gateway bundle and read back.
 */
import type { Condition, Environment } from '@raku/config';

/**
 * Where a compiled rule came from: the policy name, the file it was loaded from and, when the compiler was
 * given source positions (the policy explorer), the rule's 1-based line in that file. Bundles carry no
 * lines (see compilePolicies), so a bundle's rules have none.
 */
export interface RuleSource {
  policy: string;
  file: string;
  line?: number;
  /**
   * The tenant of the rule's policy (Policy.tenant): the rule applies only to calls made in that tenant
   * (ToolCall.tenant). Absent: organisation-wide, applies to every call.
   */
  tenant?: string;
}

/**
 * A binding of a role to subjects, as it applies in one environment.
 * `id` is `<policy>/bindings[<index>]`, e.g. `default/bindings[1]`.
 */
export interface AllowRule extends RuleSource {
  id: string;
  role: string;
  /** Tool patterns of the role ('github.*', '*.list_*', '*'). */
  tools: string[];
  subjects: string[];
  /** Conditions that must all hold; empty when the binding has none. */
  when: Condition[];
}

/** An explicit deny. `id` is `<policy>/denies/<name>`. */
export interface DenyRuleCompiled extends RuleSource {
  id: string;
  name: string;
  description?: string;
  tools: string[];
  subjects: string[];
  when: Condition[];
}

/** Who approves calls to matching tools. `id` is `<policy>/approvals/<name>`. */
export interface ApprovalRuleCompiled extends RuleSource {
  id: string;
  name: string;
  tools: string[];
  approvers: string[];
  /** Defaulted to 3600 when the policy does not say. */
  timeoutSeconds: number;
}

/** Calls allowed per subject per window. `id` is `<policy>/rateLimits/<name>`. */
export interface RateLimitRuleCompiled extends RuleSource {
  id: string;
  name: string;
  subjects: string[];
  /** Tool patterns; `['*']` when the policy gives none (the rule covers every tool). */
  tools: string[];
  limit: number;
  windowSeconds: number;
}

/** Every policy of the repository, reduced to the rules that apply in one environment, in a stable order. */
export interface CompiledPolicy {
  environment: Environment;
  allows: AllowRule[];
  denies: DenyRuleCompiled[];
  approvals: ApprovalRuleCompiled[];
  rateLimits: RateLimitRuleCompiled[];
}

/**
 * The caller of a tool. Only users and agents are subjects of policies: a caller of another kind (a service
 * principal, or nobody authenticated) is named by no subject string, not even '*', so every call it makes
 * is denied. Pass the caller's real kind; never map other kinds to 'user'.
 */
export interface Subject {
  id: string;
  kind: 'user' | 'agent' | 'service' | 'anonymous';
  groups: string[];
  claims: Record<string, unknown>;
}

/** One tool call to decide. */
export interface ToolCall {
  /** The exposed tool name ('github.close_issue'). */
  tool: string;
  /** The call's arguments as received (JSON). */
  args: unknown;
  subject: Subject;
  environment: Environment;
  /**
   * The tenant the call is made in (the caller's tenant, resolved by the gateway; IMPLICIT_TENANT when it
   * belongs to none). Rules of another tenant's policies do not apply. Absent: IMPLICIT_TENANT.
   */
  tenant?: string;
  /** The time of the call; conditions on time.hour / time.weekday read it in UTC. */
  now: Date;
}

/** The approval a call needs, when an approval rule covers the tool. */
export interface ApprovalRequirement {
  rule: string;
  approvers: string[];
  timeoutSeconds: number;
}

/** The rate limit that applies to a call. */
export interface RateLimitRequirement {
  rule: string;
  limit: number;
  windowSeconds: number;
}

/** The outcome of `decide`. */
export interface Decision {
  allowed: boolean;
  effect: 'allow' | 'deny';
  /** The deciding rule's id, `'default-deny'` when nothing allowed the call, or `'environment-mismatch'`. */
  rule: string;
  /** A sentence for traces and error messages. */
  reason: string;
  /** Present on allowed calls when an approval rule covers the tool. */
  approval?: ApprovalRequirement;
  /** Present on allowed calls when a rate-limit rule covers the subject and tool. */
  rateLimit?: RateLimitRequirement;
}
