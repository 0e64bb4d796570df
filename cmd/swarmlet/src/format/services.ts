import type { ServiceView, UpdateConfig } from '@swarmlet/api-types';
import { formatBytes } from '../parse/bytes.js';
import { formatDuration } from '../parse/duration.js';
import { healthcheckLines } from '../parse/health.js';
import { kv } from './pretty.js';
import { capitalize, formatTable, stripDigest, truncateId } from './table.js';

/**
 * `running/desired`, docker's REPLICAS column (global services show the same counts); jobs add
 * their completions, `0/1 (3/5 completed)`, and a failed job says so.
 */
export function replicasColumn(s: ServiceView): string {
  const st = s.serviceStatus;
  const counts = `${st.runningTasks}/${st.desiredTasks}`;
  if (!s.spec.mode.endsWith('-job')) return counts;
  const done = `${st.completedTasks ?? 0}/${st.desiredTasks} completed`;
  return `${counts} (${st.jobState === 'failed' ? 'failed, ' : ''}${done})`;
}

/** `updating`, `paused`, `rollback_completed`...: the last update's state, as docker's UpdateStatus. */
export function updateColumn(s: ServiceView): string {
  return s.updateStatus?.state ?? '';
}

/** Docker's PORTS column: `*:8080->80/tcp` for ingress ports, `*:9000->90/tcp (host)`. */
export function portsColumn(s: ServiceView): string {
  return (s.endpoint?.ports ?? [])
    .map((p) => {
      const published = p.published > 0 ? String(p.published) : '';
      return `*:${published}->${p.target}/${p.protocol}${p.mode === 'host' ? ' (host)' : ''}`;
    })
    .join(', ');
}

/**
 * `service ls` table, sorted by name: `ID  NAME  MODE  REPLICAS  IMAGE  PORTS`, plus `UPDATE`
 * (the last update's state) once any listed service has been updated.
 */
export function formatServiceTable(services: readonly ServiceView[]): string {
  const sorted = [...services].sort((a, b) => a.spec.name.localeCompare(b.spec.name));
  const updated = sorted.some((s) => s.updateStatus !== undefined);
  const rows = sorted.map((s) => [
    truncateId(s.id),
    s.spec.name,
    s.spec.mode,
    replicasColumn(s),
    stripDigest(s.spec.task.container.image),
    portsColumn(s),
    ...(updated ? [updateColumn(s)] : []),
  ]);
  const head = ['ID', 'NAME', 'MODE', 'REPLICAS', 'IMAGE', 'PORTS'];
  return formatTable(updated ? [...head, 'UPDATE'] : head, rows);
}

function resourceLines(
  out: string[],
  label: string,
  r: { nanoCpus: number; memoryBytes: number },
): void {
  if (r.nanoCpus === 0 && r.memoryBytes === 0) return;
  out.push(` ${label}:`);
  if (r.nanoCpus > 0) out.push(kv('  CPU', r.nanoCpus / 1e9));
  if (r.memoryBytes > 0) out.push(kv('  Memory', formatBytes(r.memoryBytes)));
}

function containerLines(out: string[], c: ServiceView['spec']['task']['container']): void {
  out.push('ContainerSpec:', kv(' Image', c.image));
  if (c.command.length > 0) out.push(kv(' Command', c.command.join(' ')));
  if (c.args.length > 0) out.push(kv(' Args', c.args.join(' ')));
  if (c.env.length > 0) out.push(' Env:', ...c.env.map((e) => `  ${e}`));
  if (c.workdir) out.push(kv(' Dir', c.workdir));
  if (c.user) out.push(kv(' User', c.user));
  out.push(kv(' StopGracePeriod', formatDuration(c.stopGracePeriodMs)));
  if (c.healthcheck) out.push(...healthcheckLines(c.healthcheck));
}

/** `service inspect --pretty`: the human-readable layout of `docker service inspect --pretty`. */
export function formatServicePretty(s: ServiceView): string {
  const { spec } = s;
  const rp = spec.task.restartPolicy;
  const out = ['', kv('ID', s.id), kv('Name', spec.name)];
  const labels = Object.entries(spec.labels);
  if (labels.length > 0) out.push('Labels:', ...labels.map(([k, v]) => ` ${k}=${v}`));
  out.push(kv('Service Mode', capitalize(spec.mode)));
  if (spec.mode === 'replicated' || spec.mode === 'replicated-job')
    out.push(kv(spec.mode === 'replicated' ? ' Replicas' : ' Completions', spec.replicas));
  if (spec.maxConcurrent !== undefined) out.push(kv(' Max concurrent', spec.maxConcurrent));
  const st = s.serviceStatus;
  if (st.jobState) out.push(kv('Job Status', st.jobMessage ?? st.jobState));
  if (s.updateStatus) {
    const u = s.updateStatus;
    out.push('UpdateStatus:', kv(' State', u.state), kv(' Started', u.startedAt));
    if (u.completedAt) out.push(kv(' Completed', u.completedAt));
    out.push(kv(' Message', u.message));
  }
  out.push(
    'RestartPolicy:',
    kv(' Condition', rp.condition),
    kv(' Delay', formatDuration(rp.delayMs)),
  );
  out.push(kv(' Max attempts', rp.maxAttempts), kv(' Window', formatDuration(rp.windowMs)));
  containerLines(out, spec.task.container);
  const { limits, reservations } = spec.task.resources;
  if (limits.nanoCpus + limits.memoryBytes + reservations.nanoCpus + reservations.memoryBytes > 0) {
    out.push('Resources:');
    resourceLines(out, 'Limits', limits);
    resourceLines(out, 'Reservations', reservations);
  }
  updateConfigLines(out, 'UpdateConfig', spec.updateConfig);
  updateConfigLines(out, 'RollbackConfig', spec.rollbackConfig);
  return `${out.join('\n')}\n`;
}

function updateConfigLines(out: string[], title: string, c: UpdateConfig | undefined): void {
  if (!c) return;
  out.push(
    `${title}:`,
    kv(' Parallelism', c.parallelism),
    ...(c.delayMs > 0 ? [kv(' Delay', formatDuration(c.delayMs))] : []),
    kv(' On failure', c.failureAction),
    kv(' Monitoring Period', formatDuration(c.monitorMs)),
    kv(' Max failure ratio', c.maxFailureRatio),
    kv(' Update order', c.order),
  );
}
