export { type AccessChangeKind, accessMatrix, describeAccess, diffAccess } from './access.ts';
export { compilePolicies } from './compile.ts';
export { decide } from './decide.ts';
export type { CompiledPolicy, Decision, Subject } from './types.ts';
export { toolsVisibleTo } from './visible-tools.ts';
