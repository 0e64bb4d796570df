import {
  SwarmletError,
  isSwarmletError,
  type Node,
  type NodeNotice,
  type NodeVolume,
  type SessionVolume,
  type VolumeList,
  type VolumeRemoved,
  type VolumeRequest,
} from '@swarmlet/api-types';
import type { MemoryStore } from '@swarmlet/store';
import { resolveNode } from './resolve.js';

/** Where volume requests go: the leader's dispatcher (`Dispatcher.volumes`). */
export interface VolumeSource {
  volumes(
    nodeId: string,
    op: { op: 'list' } | { op: 'remove'; name: string },
  ): Promise<SessionVolume[]>;
}

export interface VolumeDeps {
  store: MemoryStore;
  source: VolumeSource;
}

type Answer = { node: Node; volumes: SessionVolume[] } | { node: Node; notice: NodeNotice };

/**
 * `volume ls`: the named volumes of one node (`req.node`: it must answer) or of every node
 * (those down or not answering become notices).
 */
export async function listVolumes(deps: VolumeDeps, req: VolumeRequest): Promise<VolumeList> {
  const answers = await askNodes(deps, req);
  const volumes: NodeVolume[] = [];
  const notices: NodeNotice[] = [];
  for (const a of answers) {
    if ('notice' in a) notices.push(a.notice);
    else for (const v of a.volumes) volumes.push({ ...where(a.node), ...v });
  }
  volumes.sort((a, b) => a.nodeName.localeCompare(b.nodeName) || a.name.localeCompare(b.name));
  return { volumes, notices };
}

/**
 * `volume rm`: removes `name` from `req.node` or from every node that has it. Checks first:
 * NOT_FOUND if no node that answered has it, FAILED_PRECONDITION naming the nodes where a
 * container uses it (nothing removed then).
 */
export async function removeVolume(
  deps: VolumeDeps,
  name: string,
  req: VolumeRequest,
): Promise<VolumeRemoved> {
  const answers = await askNodes(deps, req);
  const notices = answers.flatMap((a) => ('notice' in a ? [a.notice] : []));
  const holders = answers.flatMap((a) =>
    'volumes' in a ? a.volumes.filter((v) => v.name === name).map((v) => ({ ...a, v })) : [],
  );
  if (holders.length === 0) {
    const missing = notices.length > 0 ? ` (${notices.length} node(s) did not answer)` : '';
    const on = req.node ? ` on node ${answers[0]?.node.description.hostname ?? req.node}` : '';
    throw new SwarmletError('NOT_FOUND', `no such volume: ${name}${on}${missing}`);
  }
  const busy = holders.filter((h) => h.v.inUse).map((h) => label(h.node));
  if (busy.length > 0) {
    throw new SwarmletError(
      'FAILED_PRECONDITION',
      `volume ${name} is in use on node ${busy.join(', ')}: remove the tasks or containers ` +
        'that use it first (nothing was removed)',
    );
  }
  const results = await Promise.allSettled(
    holders.map((h) => deps.source.volumes(h.node.id, { op: 'remove', name })),
  );
  const failed = results.flatMap((r, i) =>
    r.status === 'rejected' ? [`node ${label(holders[i]!.node)}: ${messageOf(r.reason)}`] : [],
  );
  if (failed.length > 0) {
    throw new SwarmletError('FAILED_PRECONDITION', `removing volume ${name}: ${failed.join('; ')}`);
  }
  return { nodes: holders.map((h) => where(h.node)), notices };
}

/** Lists the volumes of the nodes asked, in parallel; failures become notices. */
async function askNodes(deps: VolumeDeps, req: VolumeRequest): Promise<Answer[]> {
  const nodes = deps.store.view((tx) =>
    req.node === undefined ? tx.find('node') : [resolveNode(tx, req.node)],
  );
  const answers = await Promise.all(nodes.map((node) => ask(deps, node)));
  const only = answers[0];
  if (req.node !== undefined && only && 'notice' in only) {
    // `nodeId` marks it as the leader's answer (a follower passes it on as is).
    const details = { nodeId: only.notice.nodeId };
    throw new SwarmletError('UNAVAILABLE', only.notice.message, { details });
  }
  return answers;
}

async function ask(deps: VolumeDeps, node: Node): Promise<Answer> {
  const notice = (why: string): Answer => ({
    node,
    notice: { ...where(node), message: `node ${label(node)} ${why}: its volumes are not shown` },
  });
  if (node.status.state === 'down') return notice('is down');
  try {
    return { node, volumes: await deps.source.volumes(node.id, { op: 'list' }) };
  } catch (err) {
    if (isSwarmletError(err, 'UNAVAILABLE')) return notice(err.message);
    return notice(`failed: ${messageOf(err)}`);
  }
}

function where(node: Node): { nodeId: string; nodeName: string } {
  return { nodeId: node.id, nodeName: node.description.hostname };
}

function label(node: Node): string {
  return `${node.description.hostname} (${node.id})`;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
