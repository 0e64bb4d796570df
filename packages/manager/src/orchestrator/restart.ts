import type { RestartPolicy, Task } from '@swarmlet/api-types';

/**
 * Decides whether an ended task gets a replacement (swarmkit's restart supervisor).
 * `history` holds the times (ms) of earlier restarts of the same slot.
 */
export function shouldRestart(
  policy: RestartPolicy,
  ended: Task,
  history: readonly number[],
  now: number,
): boolean {
  if (policy.condition === 'none') return false;
  if (policy.condition === 'on-failure' && ended.status.state === 'complete') return false;
  if (policy.maxAttempts === 0) return true;
  const since = policy.windowMs > 0 ? now - policy.windowMs : -Infinity;
  return history.filter((t) => t >= since).length < policy.maxAttempts;
}

/**
 * Remembers restart times per slot for max-attempts accounting; bounded per slot. A slot is a
 * replica number, or a node id for global services.
 */
export class RestartHistory {
  private readonly bySlot = new Map<string, number[]>();

  get(serviceId: string, slot: number | string): readonly number[] {
    return this.bySlot.get(`${serviceId}/${slot}`) ?? [];
  }

  record(serviceId: string, slot: number | string, at: number): void {
    const key = `${serviceId}/${slot}`;
    const list = [...(this.bySlot.get(key) ?? []), at];
    this.bySlot.set(key, list.slice(-1000));
  }

  forgetService(serviceId: string): void {
    for (const key of this.bySlot.keys())
      if (key.startsWith(`${serviceId}/`)) this.bySlot.delete(key);
  }
}
