import type { ClusterEvent, EventType, Node, Service, Task } from '@swarmlet/api-types';
import type { ObjectEvent } from '@swarmlet/store';

type Attributes = Record<string, string>;

const ACTION = { create: 'create', update: 'update', delete: 'remove' } as const;

/**
 * Turns one store change into a cluster event, as docker's daemon/events.go does for swarm
 * objects: `name` always, and for updates `<field>.old`/`<field>.new` of the fields worth
 * watching (service image, replicas, update state; node availability, role, state, leader,
 * reachability; task state, desired state, node). The cluster object yields nothing (it holds
 * the CA key and tokens), and no event ever carries a secret's or config's data. Time is the
 * object's `createdAt`/`updatedAt`, or `removedAt` for a removal (the store keeps no time for
 * deletes). Pure.
 */
export function toClusterEvent(
  ev: ObjectEvent,
  id: string,
  removedAt: Date,
): ClusterEvent | undefined {
  if (ev.kind === 'cluster') return undefined;
  const action = ACTION[ev.op];
  const time =
    ev.op === 'delete'
      ? removedAt.toISOString()
      : ev.op === 'create'
        ? ev.object.meta.createdAt
        : ev.object.meta.updatedAt;
  const old = ev.op === 'update' ? ev.old : undefined;
  let attributes: Attributes;
  switch (ev.kind) {
    case 'service':
      attributes = serviceAttributes(ev.object, old as Service | undefined);
      break;
    case 'node':
      attributes = nodeAttributes(ev.object, old as Node | undefined);
      break;
    case 'task':
      attributes = taskAttributes(ev.object, old as Task | undefined, ev.op === 'create');
      break;
    default:
      attributes = { name: ev.object.spec.name };
  }
  const type: EventType = ev.kind;
  return { id, time, type, action, actor: { id: ev.object.id, attributes }, scope: 'swarm' };
}

/** Adds `key.old`/`key.new` when the values differ (undefined reads as ''). */
function changed(out: Attributes, key: string, before: unknown, after: unknown): void {
  const b = before === undefined ? '' : String(before);
  const a = after === undefined ? '' : String(after);
  if (a === b) return;
  out[`${key}.old`] = b;
  out[`${key}.new`] = a;
}

function serviceAttributes(s: Service, old: Service | undefined): Attributes {
  const out: Attributes = { name: s.spec.name };
  if (!old) return out;
  changed(out, 'image', old.spec.task.container.image, s.spec.task.container.image);
  if (!s.spec.mode.startsWith('global') && !old.spec.mode.startsWith('global')) {
    changed(out, 'replicas', old.spec.replicas, s.spec.replicas);
  }
  changed(out, 'mode', old.spec.mode, s.spec.mode);
  // Docker shows only updatestate.new when the service had no update status before.
  if (s.updateStatus && !old.updateStatus) out['updatestate.new'] = s.updateStatus.state;
  else if (s.updateStatus)
    changed(out, 'updatestate', old.updateStatus?.state, s.updateStatus.state);
  return out;
}

function nodeAttributes(n: Node, old: Node | undefined): Attributes {
  const out: Attributes = { name: n.description.hostname };
  if (!old) return out;
  changed(out, 'availability', old.spec.availability, n.spec.availability);
  changed(out, 'role', old.spec.role, n.spec.role);
  changed(out, 'state', old.status.state, n.status.state);
  if (n.managerStatus && old.managerStatus) {
    changed(out, 'leader', old.managerStatus.leader, n.managerStatus.leader);
    changed(out, 'reachability', old.managerStatus.reachability, n.managerStatus.reachability);
  }
  return out;
}

/** A task is named as `service ps` names it: `web.3`, or `web.<node id>` for a global task. */
function taskAttributes(t: Task, old: Task | undefined, created: boolean): Attributes {
  const out: Attributes = {
    name: `${t.serviceName}.${t.slot > 0 ? t.slot : t.nodeId}`,
    'service.name': t.serviceName,
  };
  if (created) {
    out['state'] = t.status.state;
    out['desiredstate'] = t.desiredState;
    if (t.nodeId) out['node.id'] = t.nodeId;
    return out;
  }
  if (!old) return out;
  changed(out, 'state', old.status.state, t.status.state);
  changed(out, 'desiredstate', old.desiredState, t.desiredState);
  changed(out, 'node.id', old.nodeId, t.nodeId);
  if (t.status.state !== old.status.state && t.status.err) out['error'] = t.status.err;
  return out;
}
