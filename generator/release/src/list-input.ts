/**
 * A list given as one text (an action input such as `zones: dev, staging` or one item per line): the items,
 * trimmed, empty ones dropped.
 */
export function splitList(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}
