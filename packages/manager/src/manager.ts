import type { MemoryStore } from '@swarmlet/store';
import { Allocator } from './allocator/allocator.js';
import { Dispatcher } from './dispatcher/dispatcher.js';
import type { Logger } from '@swarmlet/api-types';
import { Orchestrator } from './orchestrator/orchestrator.js';
import { TaskReaper } from './orchestrator/task-reaper.js';
import { Scheduler } from './scheduler/scheduler.js';

export interface ManagerOptions {
  store: MemoryStore;
  log: Logger;
  heartbeatPeriodMs?: number;
}

/**
 * The leader's control loops (swarmkit's manager.go `becomeLeader`): orchestrator, allocator,
 * scheduler, task reaper and dispatcher, each built from the store alone. They never call each
 * other; they meet in the store. Start them when this manager becomes leader, stop them when it
 * stops being leader.
 */
export class Manager {
  readonly dispatcher: Dispatcher;
  private readonly components: { start(): void; stop(): Promise<void> }[];

  constructor(opts: ManagerOptions) {
    const { store, log } = opts;
    this.dispatcher = new Dispatcher({
      store,
      log: log.child({ component: 'dispatcher' }),
      heartbeatPeriodMs: opts.heartbeatPeriodMs,
    });
    this.components = [
      new Orchestrator({ store, log: log.child({ component: 'orchestrator' }) }),
      new Allocator({ store, log: log.child({ component: 'allocator' }) }),
      new Scheduler({ store, log: log.child({ component: 'scheduler' }) }),
      new TaskReaper({ store, log: log.child({ component: 'task-reaper' }) }),
      this.dispatcher,
    ];
  }

  start(): void {
    for (const c of this.components) c.start();
  }

  async stop(): Promise<void> {
    for (const c of [...this.components].reverse()) await c.stop();
  }
}
