import { isDeepStrictEqual } from 'node:util';
import {
  type Service,
  type Task,
  type UpdateConfig,
  type UpdateState,
  type UpdateStatus,
} from '@swarmlet/api-types';
import type { OrchestratorAction } from './actions.js';

/** Docker's defaults for `--update-*` and `--rollback-*`. */
export const DEFAULT_UPDATE_CONFIG: UpdateConfig = {
  parallelism: 1,
  delayMs: 0,
  order: 'stop-first',
  failureAction: 'pause',
  monitorMs: 5_000,
  maxFailureRatio: 0,
};

/** True when the task runs the service's current task spec. */
export function isCurrentSpec(task: Task, service: Service): boolean {
  return isDeepStrictEqual(task.spec, service.spec.task);
}

/** A slot's key: its number (replicated) or its node (global, slot 0). */
export function slotKey(t: Task): string {
  return t.slot > 0 ? String(t.slot) : t.nodeId;
}

export interface UpdateInput {
  service: Service;
  /** Every task of the service by slot key. */
  slots: ReadonlyMap<string, readonly Task[]>;
  /** Slots that stay (not being scaled away) and hold a live task. */
  liveSlots: readonly string[];
  /** A wanted task that has not ended. */
  isLive: (t: Task) => boolean;
  /** The slot number and node of a new task for a slot key. */
  place: (key: string) => { slot: number; nodeId?: string };
  now: number;
}

export interface UpdatePlan {
  actions: OrchestratorAction[];
  /** When the plan may change with time alone (delay or monitor period ends). */
  wakeAt: number;
}

const rollingBack = (s: UpdateState | undefined): boolean => s?.startsWith('rollback_') ?? false;

/**
 * The rolling updater, pure (swarmkit's orchestrator/update/updater.go). Live tasks of an older
 * task spec are replaced in batches of `parallelism` slots (0: all at once); a batch starts once
 * every task of the previous one runs and `delayMs` has passed since the last of them started.
 * `stop-first` shuts the old task down and creates its replacement held in `ready` until the old
 * one has stopped; `start-first` creates the replacement at once and shuts the old task down when
 * the new one runs.
 *
 * While the update runs (state `updating` or `rollback_started`), an updated task that fails or
 * ends on its own counts against it; past `maxFailureRatio` of the slots, `failureAction` pauses
 * (`paused`, `rollback_paused`), rolls back (`rollback_started`, with the spec swap done by
 * `applyActions`) or continues. Once every slot runs the current spec and `monitorMs` has passed
 * since the last start, the update is `completed` (`rollback_completed`). A paused update
 * replaces nothing until the next `service update` or `service rollback`.
 */
export function planUpdate(input: UpdateInput): UpdatePlan {
  const { service, now } = input;
  const status = service.updateStatus;
  const back = rollingBack(status?.state);
  const cfg = (back ? service.spec.rollbackConfig : service.spec.updateConfig) ?? {
    ...DEFAULT_UPDATE_CONFIG,
  };
  const active = status?.state === 'updating' || status?.state === 'rollback_started';
  const actions: OrchestratorAction[] = [];
  const outdated: string[] = [];
  let inFlight = 0;
  let lastStart = -Infinity;
  for (const key of [...input.liveSlots].sort(bySlot)) {
    const tasks = (input.slots.get(key) ?? []).filter(input.isLive);
    const current = tasks.filter((t) => isCurrentSpec(t, service));
    if (current.length === 0) {
      outdated.push(key);
      continue;
    }
    const running = current.find(
      (t) => t.status.state === 'running' && t.desiredState === 'running',
    );
    if (!running) {
      inFlight++;
      continue;
    }
    lastStart = Math.max(lastStart, Date.parse(running.status.timestamp));
    for (const old of tasks.filter((t) => !isCurrentSpec(t, service)))
      actions.push(shutdown(old.id, 'replaced by an updated task'));
  }
  if (status?.state === 'paused' || status?.state === 'rollback_paused')
    return { actions, wakeAt: Infinity };

  if (active && status) {
    const failed = failedTasks(input, status);
    const slots = Math.max(1, input.liveSlots.length);
    if (failed.length > 0 && failed.length / slots > cfg.maxFailureRatio) {
      const verdict = onFailure(service, cfg, status, failed[0]!, now);
      if (verdict) return { actions: [...actions, verdict], wakeAt: Infinity };
    }
  }

  let wakeAt = Infinity;
  const next = lastStart + cfg.delayMs;
  if (outdated.length > 0 && inFlight === 0) {
    if (next > now) wakeAt = next;
    else {
      const batch = cfg.parallelism === 0 ? outdated : outdated.slice(0, cfg.parallelism);
      for (const key of batch) actions.push(...replace(input, key, cfg.order));
    }
  } else if (outdated.length === 0 && inFlight === 0 && active && status) {
    const done = lastStart + cfg.monitorMs;
    if (done > now) wakeAt = done;
    else actions.push(complete(status, back, now));
  }
  return { actions, wakeAt };
}

/** The actions that move one outdated slot to the current spec. */
function replace(
  input: UpdateInput,
  key: string,
  order: UpdateConfig['order'],
): OrchestratorAction[] {
  const old = (input.slots.get(key) ?? []).filter(input.isLive);
  const where = input.place(key);
  const create = { type: 'create', ...where, restart: false } as const;
  if (order === 'start-first') return [{ ...create, desiredState: 'running' }];
  return [
    ...old.map((t) => shutdown(t.id, 'shut down for a stop-first update')),
    { ...create, desiredState: 'ready', waitsForSlot: true },
  ];
}

/** Updated tasks (current spec, created since the update began) that failed or ended on their own. */
function failedTasks(input: UpdateInput, status: UpdateStatus): Task[] {
  const since = Date.parse(status.startedAt);
  const out: Task[] = [];
  for (const tasks of input.slots.values()) {
    for (const t of tasks) {
      if (!isCurrentSpec(t, input.service) || Date.parse(t.meta.createdAt) < since) continue;
      const s = t.status.state;
      if (s === 'failed' || s === 'rejected' || s === 'complete') out.push(t);
    }
  }
  return out.sort((a, b) => a.status.timestamp.localeCompare(b.status.timestamp));
}

function onFailure(
  service: Service,
  cfg: UpdateConfig,
  status: UpdateStatus,
  task: Task,
  now: number,
): OrchestratorAction | undefined {
  const back = rollingBack(status.state);
  const why = `failure or early termination of task ${task.id}${task.status.err ? ` (${task.status.err})` : ''}`;
  if (cfg.failureAction === 'continue') return undefined;
  if (cfg.failureAction === 'rollback' && !back && service.previousSpec) {
    return {
      type: 'update-status',
      rollback: true,
      status: {
        state: 'rollback_started',
        startedAt: iso(now),
        message: `update rolled back due to ${why}`,
      },
    };
  }
  return {
    type: 'update-status',
    status: {
      ...status,
      state: back ? 'rollback_paused' : 'paused',
      message: `${back ? 'rollback' : 'update'} paused due to ${why}`,
    },
  };
}

function complete(status: UpdateStatus, back: boolean, now: number): OrchestratorAction {
  return {
    type: 'update-status',
    status: {
      state: back ? 'rollback_completed' : 'completed',
      startedAt: status.startedAt,
      completedAt: iso(now),
      // An automatic rollback keeps saying why it happened.
      message: !back
        ? 'update completed'
        : status.message.startsWith('update rolled back')
          ? `${status.message}; rollback completed`
          : 'rollback completed',
    },
  };
}

function shutdown(taskId: string, message: string): OrchestratorAction {
  return { type: 'set-desired', taskId, desiredState: 'shutdown', message };
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Slot numbers numerically, node ids as text. */
function bySlot(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  return Number.isNaN(na) || Number.isNaN(nb) ? a.localeCompare(b) : na - nb;
}
