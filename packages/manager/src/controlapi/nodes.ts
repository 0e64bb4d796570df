import {
  NODE_AVAILABILITIES,
  NODE_ROLES,
  SwarmletError,
  invalid,
  taskStateRank,
  type Node,
  type NodeRemoveOptions,
  type NodeUpdateRequest,
} from '@swarmlet/api-types';
import type { WriteTx } from '@swarmlet/store';
import { isDeepStrictEqual } from 'node:util';
import { resolveNode } from './resolve.js';

/**
 * Label keys: letters, digits, '.', '-', '_' and '/', starting and ending with a letter or digit
 * (Docker's reverse-DNS convention, `com.example.zone`), at most 128 characters. No '=', which
 * would make `--label-add k=v` ambiguous, and no whitespace.
 */
const LABEL_KEY_RE = /^[A-Za-z0-9](?:[A-Za-z0-9._/-]{0,126}[A-Za-z0-9])?$/;
const MAX_LABEL_VALUE = 4096;

/**
 * Validates an `updateNode` request on its own, before the store is read. Throws
 * INVALID_ARGUMENT naming the field; the REST schema checks types first, in-process callers
 * get the same errors from here.
 */
export function validateNodeUpdate(req: NodeUpdateRequest): void {
  if (req.version !== undefined && (!Number.isInteger(req.version) || req.version < 0))
    throw invalid(`version must be a non-negative integer, got ${req.version}`, {
      field: 'version',
    });
  if (req.availability !== undefined && !NODE_AVAILABILITIES.includes(req.availability))
    throw invalid(
      `invalid availability "${String(req.availability)}": use one of ${NODE_AVAILABILITIES.join(', ')}`,
      { field: 'availability' },
    );
  if (req.role !== undefined && !NODE_ROLES.includes(req.role))
    throw invalid(`invalid role "${String(req.role)}": use one of ${NODE_ROLES.join(', ')}`, {
      field: 'role',
    });
  for (const [key, value] of Object.entries(req.labelAdd ?? {})) {
    if (!LABEL_KEY_RE.test(key))
      throw invalid(
        `invalid label key "${key}": use letters, digits, '.', '-', '_' or '/', starting and ending with a letter or digit, at most 128 characters`,
        { field: 'labelAdd' },
      );
    if (typeof value !== 'string' || value.length > MAX_LABEL_VALUE)
      throw invalid(
        `label ${key}: the value must be a string of at most ${MAX_LABEL_VALUE} characters`,
        {
          field: 'labelAdd',
        },
      );
  }
}

/**
 * The node spec after `req` (validated): labels are added, then `labelRm` keys removed, each of
 * which must exist (as `docker node update` checks). Demoting the only manager is refused:
 * the cluster would have nobody to run it. `managers` counts nodes whose spec role is manager.
 */
export function updatedNodeSpec(
  node: Node,
  req: NodeUpdateRequest,
  managers: number,
): Node['spec'] {
  let labels = { ...node.spec.labels, ...req.labelAdd };
  for (const key of req.labelRm ?? []) {
    if (!Object.hasOwn(labels, key))
      throw invalid(`key "${key}" doesn't exist in node's labels`, { field: 'labelRm' });
    labels = Object.fromEntries(Object.entries(labels).filter(([k]) => k !== key));
  }
  const role = req.role ?? node.spec.role;
  if (node.spec.role === 'manager' && role === 'worker' && managers <= 1)
    throw new SwarmletError('FAILED_PRECONDITION', 'cannot demote the last manager of the cluster');
  return { role, availability: req.availability ?? node.spec.availability, labels };
}

/**
 * `updateNode` inside a write transaction: optimistic concurrency on `req.version` (the node's
 * `meta.version`), as for services. An update that changes nothing writes nothing.
 */
export function updateNodeTx(tx: WriteTx, ref: string, req: NodeUpdateRequest): Node {
  const current = resolveNode(tx, ref);
  if (req.version !== undefined && req.version !== current.meta.version)
    throw new SwarmletError(
      'CONFLICT',
      `node ${nameOf(current)} changed since version ${req.version} (now ${current.meta.version}); read it again`,
    );
  const managers = tx.find('node', (n) => n.spec.role === 'manager').length;
  const spec = updatedNodeSpec(current, req, managers);
  if (isDeepStrictEqual(spec, current.spec)) return current;
  return tx.update('node', { ...current, spec });
}

/**
 * `removeNode` inside a write transaction. A manager must be demoted first (its Raft membership
 * goes with the role); a READY node only goes with `force`, since it still runs tasks the
 * cluster would lose track of. The node's wanted tasks get desired state shutdown: the
 * orchestrator refills their slots elsewhere, and a still-connected agent stops them.
 */
export function removeNodeTx(tx: WriteTx, ref: string, opts: NodeRemoveOptions = {}): void {
  const node = resolveNode(tx, ref);
  if (node.spec.role === 'manager')
    throw new SwarmletError(
      'FAILED_PRECONDITION',
      `node ${nameOf(node)} is a manager of the cluster: demote it first`,
    );
  if (node.status.state === 'ready' && opts.force !== true)
    throw new SwarmletError(
      'FAILED_PRECONDITION',
      `node ${nameOf(node)} is still up; use --force to remove it`,
    );
  for (const t of tx.tasksOfNode(node.id)) {
    if (taskStateRank(t.desiredState) <= taskStateRank('running'))
      tx.update('task', { ...t, desiredState: 'shutdown' });
  }
  tx.delete('node', node.id);
}

function nameOf(node: Node): string {
  return node.description.hostname || node.id;
}
