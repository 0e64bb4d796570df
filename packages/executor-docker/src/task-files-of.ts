import type { FilePayload, Task, TaskFilesPayload } from '@swarmlet/api-types';
import { ExecutorError } from '@swarmlet/agent';
import { SECRETS_DIR, type TaskFile } from './task-files.js';

/**
 * The files a task mounts, from its spec's references and the data its assignment carried:
 * secrets under /run/secrets/<target>, configs at their absolute target. A reference whose data
 * did not come (deleted meanwhile) fails the task's preparation for a retry.
 */
export function taskFilesOf(task: Task, payload: TaskFilesPayload | undefined): TaskFile[] {
  const out: TaskFile[] = [];
  const add = (
    refs: NonNullable<Task['spec']['secrets']>,
    data: readonly FilePayload[],
    kind: 'secret' | 'config',
  ): void => {
    for (const r of refs) {
      const d = data.find((x) => x.id === r.id);
      if (!d) throw new ExecutorError('create', `${kind} ${r.name} was not delivered`, true);
      const target = kind === 'secret' ? `${SECRETS_DIR}/${r.target}` : r.target;
      out.push({
        target,
        data: Buffer.from(d.data, 'base64'),
        uid: r.uid,
        gid: r.gid,
        mode: r.mode,
      });
    }
  };
  add(task.spec.secrets ?? [], payload?.secrets ?? [], 'secret');
  add(task.spec.configs ?? [], payload?.configs ?? [], 'config');
  return out;
}

/** The config files of `task` whose data is in `updated` (for an in-place update). */
export function updatedConfigFiles(task: Task, updated: readonly FilePayload[]): TaskFile[] {
  const out: TaskFile[] = [];
  for (const r of task.spec.configs ?? []) {
    if (r.restart) continue; // rolled by the manager instead
    const d = updated.find((x) => x.id === r.id);
    if (d) {
      out.push({
        target: r.target,
        data: Buffer.from(d.data, 'base64'),
        uid: r.uid,
        gid: r.gid,
        mode: r.mode,
      });
    }
  }
  return out;
}
