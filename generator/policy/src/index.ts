export {
  type AccessChange,
  type AccessChangeKind,
  type AccessEntry,
  accessMatrix,
  describeAccess,
  diffAccess,
} from './access.ts';
export { type CompileOptions, compilePolicies, type RuleLineOf } from './compile.ts';
export { describeCondition } from './conditions.ts';
export { decide } from './decide.ts';
export { type DecisionTrace, explainDecision, type RuleKind, type RuleTrace } from './explain.ts';
export { SENSITIVE_WITHOUT_APPROVAL, withSensitiveRule } from './sensitive.ts';
export type { CompiledPolicy, Decision, Subject, ToolCall } from './types.ts';
export { toolsVisibleTo } from './visible-tools.ts';
