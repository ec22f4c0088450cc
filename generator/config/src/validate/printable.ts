/**
 * Characters that can end a line or rewrite what a terminal or a log viewer shows: C0 controls (newline,
 * carriage return, escape…), DEL, C1 controls (NEL, CSI…), the Unicode line and paragraph separators, and the
 * bidirectional overrides and isolates ("Trojan Source").
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * `text` made safe to print on one line: each character of {@link UNPRINTABLE} becomes a visible escape
 * (`\n`, `\r`, `\t`, else `\u001b`-style). A file name from a pull request (`zones/a⏎b.yaml` is a legal name)
 * or a value quoted in a message can then neither forge an extra diagnostic line nor move the cursor. Pure.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** {@link printable} for text whose line breaks are meant (a message listing diagnostics): each line on its own. */
export function printableLines(text: string): string {
  return text.split('\n').map(printable).join('\n');
}
