/**
 * Dockerfiles as data. Each instruction is built from values and serialised here with quoting for its
 * context, never pasted: exec-form JSON arrays for COPY and ENTRYPOINT, escaped double quotes for ENV and
 * LABEL values, and references/paths checked against a strict alphabet.
 */
export type DockerInstruction =
  | { op: 'comment'; text: string }
  | { op: 'FROM'; image: string }
  | { op: 'WORKDIR'; path: string }
  | { op: 'COPY'; sources: string[]; dest: string }
  | { op: 'ENV'; vars: [string, string][] }
  | { op: 'LABEL'; labels: [string, string][] }
  | { op: 'USER'; uid: number; gid: number }
  | { op: 'EXPOSE'; port: number }
  | { op: 'ENTRYPOINT'; argv: string[] };

const IMAGE_REF = /^[a-zA-Z0-9][a-zA-Z0-9.:/_-]*(@sha256:[a-f0-9]{64})?$/;
const PATH = /^[A-Za-z0-9_./-]+$/;
const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export function renderDockerfile(instructions: readonly DockerInstruction[]): string {
  return `${instructions.map(line).join('\n')}\n`;
}

function line(i: DockerInstruction): string {
  switch (i.op) {
    case 'comment':
      return `# ${i.text.replace(/[\r\n]+/g, ' ')}`;
    case 'FROM':
      return `FROM ${checked(i.image, IMAGE_REF, 'image reference')}`;
    case 'WORKDIR':
      return `WORKDIR ${checked(i.path, PATH, 'path')}`;
    case 'COPY':
      return `COPY ${JSON.stringify([...i.sources.map((s) => checked(s, PATH, 'path')), checked(i.dest, PATH, 'path')])}`;
    case 'ENV':
      return `ENV ${i.vars.map(([k, v]) => `${checked(k, KEY, 'variable name')}=${quote(v)}`).join(' ')}`;
    case 'LABEL':
      return `LABEL ${i.labels.map(([k, v]) => `${checked(k, KEY, 'label key')}=${quote(v)}`).join(' ')}`;
    case 'USER':
      return `USER ${int(i.uid)}:${int(i.gid)}`;
    case 'EXPOSE':
      return `EXPOSE ${int(i.port)}`;
    case 'ENTRYPOINT':
      return `ENTRYPOINT ${JSON.stringify(i.argv)}`;
  }
}

/** Double-quoted Dockerfile word: backslash, quote and '$' escaped (no variable expansion); one line only. */
function quote(v: string): string {
  if (/[\r\n]/.test(v)) throw new Error(`Dockerfile value may not span lines: ${JSON.stringify(v)}`);
  return `"${v.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;
}

function checked(v: string, re: RegExp, what: string): string {
  if (!re.test(v)) throw new Error(`unsafe Dockerfile ${what}: ${JSON.stringify(v)}`);
  return v;
}

function int(n: number): string {
  if (!Number.isInteger(n) || n < 0) throw new Error(`not a valid number for a Dockerfile: ${n}`);
  return String(n);
}
