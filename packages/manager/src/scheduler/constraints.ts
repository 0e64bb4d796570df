import { invalid, type Node } from '@swarmlet/api-types';

/** One parsed `--constraint`: `KEY==VALUE` or `KEY!=VALUE`. */
export interface Constraint {
  key: string;
  op: '==' | '!=';
  value: string;
  /** The text as the user wrote it (normalised spacing), for messages. */
  text: string;
}

const KEYS = ['node.id', 'node.hostname', 'node.role', 'node.platform.os', 'node.platform.arch'];
const PREFIXES = ['node.labels.', 'engine.labels.'];

function validKey(key: string): boolean {
  return KEYS.includes(key) || PREFIXES.some((p) => key.startsWith(p) && key.length > p.length);
}

/**
 * Parses a constraint with Docker's syntax; INVALID_ARGUMENT names what is wrong. Keys:
 * node.id, node.hostname, node.role, node.platform.os, node.platform.arch, node.labels.X,
 * engine.labels.X; operators == and !=.
 */
export function parseConstraint(raw: string): Constraint {
  const m = /^\s*([^=!\s]+)\s*(==|!=)\s*(.*?)\s*$/.exec(raw);
  if (!m) throw invalid(`invalid constraint "${raw}": expected KEY==VALUE or KEY!=VALUE`);
  const [, key = '', op = '==', value = ''] = m;
  if (!validKey(key)) {
    throw invalid(
      `invalid constraint "${raw}": unknown key "${key}" (use ${KEYS.join(', ')}, node.labels.X or engine.labels.X)`,
    );
  }
  if (value === '') throw invalid(`invalid constraint "${raw}": the value is empty`);
  return { key, op: op as '==' | '!=', value, text: `${key}${op}${value}` };
}

/** The node's value for a constraint key (undefined: the label is not set). */
export function nodeValue(node: Node, key: string): string | undefined {
  switch (key) {
    case 'node.id':
      return node.id;
    case 'node.hostname':
      return node.description.hostname;
    case 'node.role':
      return node.spec.role;
    case 'node.platform.os':
      return node.description.platform.os;
    case 'node.platform.arch':
      return node.description.platform.arch;
  }
  if (key.startsWith('node.labels.')) return node.spec.labels[key.slice('node.labels.'.length)];
  if (key.startsWith('engine.labels.'))
    return node.description.engine.labels[key.slice('engine.labels.'.length)];
  return undefined;
}

/** Whether `node` satisfies `c` (Docker: `!=` holds when the label is absent; values exact). */
export function satisfies(node: Node, c: Constraint): boolean {
  const v = nodeValue(node, c.key);
  return c.op === '==' ? v === c.value : v !== c.value;
}

/** `spread=node.labels.X` (or another constraint key): the key spread over. */
export function parseSpread(raw: string): string {
  const m = /^spread=(.+)$/.exec(raw.trim());
  const key = m?.[1] ?? '';
  if (!validKey(key)) {
    throw invalid(`invalid placement preference "${raw}": expected spread=node.labels.X`);
  }
  return key;
}
