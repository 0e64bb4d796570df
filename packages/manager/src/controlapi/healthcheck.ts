import { invalid, type Healthcheck } from '@swarmlet/api-types';

const FIELD = 'task.container.healthcheck';
const DURATIONS = ['intervalMs', 'timeoutMs', 'startPeriodMs'] as const;

/**
 * Validates a service's health check (Docker's `HealthConfig` rules) and fills its defaults.
 * `test`: `[]` keeps the image's command, `['NONE']` disables the image's check and takes no
 * options (docker's "--no-healthcheck conflicts with --health-* options"), `['CMD', argv...]`
 * or `['CMD-SHELL', command]`. Durations are milliseconds, 0 meaning the image's value or
 * Docker's default. Returns undefined when the input sets nothing, so a spec without a health
 * check stays exactly as it was. Throws INVALID_ARGUMENT naming the field.
 */
export function normalizeHealthcheck(
  input: Partial<Healthcheck> | undefined,
): Healthcheck | undefined {
  if (input === undefined) return undefined;
  const h: Healthcheck = {
    test: testOf(input.test),
    intervalMs: count(input.intervalMs, 'intervalMs'),
    timeoutMs: count(input.timeoutMs, 'timeoutMs'),
    retries: count(input.retries, 'retries'),
    startPeriodMs: count(input.startPeriodMs, 'startPeriodMs'),
  };
  const options = DURATIONS.some((d) => h[d] > 0) || h.retries > 0;
  if (h.test[0] === 'NONE' && options) {
    throw invalid(
      'a disabled health check (NONE) takes no interval, timeout, retries or start period',
      {
        field: FIELD,
      },
    );
  }
  return h.test.length === 0 && !options ? undefined : h;
}

function testOf(test: readonly string[] | undefined): string[] {
  const t = [...(test ?? [])];
  if (t.length === 0) return t;
  const [kind, ...rest] = t;
  const ok =
    (kind === 'NONE' && rest.length === 0) ||
    (kind === 'CMD' && rest.length > 0 && rest[0] !== '') ||
    (kind === 'CMD-SHELL' && rest.length === 1 && rest[0]!.trim() !== '');
  if (!ok) {
    throw invalid(
      `invalid health check test ${JSON.stringify(t)}: use [], ["NONE"], ["CMD", program, args...] or ["CMD-SHELL", command]`,
      { field: `${FIELD}.test` },
    );
  }
  return t;
}

function count(n: number | undefined, name: string): number {
  const v = n ?? 0;
  if (!Number.isSafeInteger(v) || v < 0) {
    throw invalid(`${FIELD}.${name} must be a non-negative integer, got ${v}`, {
      field: `${FIELD}.${name}`,
    });
  }
  return v;
}

/** `{ healthcheck }` to spread into a container spec, or nothing when there is none. */
export function healthcheckField(input: Partial<Healthcheck> | undefined): {
  healthcheck?: Healthcheck;
} {
  const healthcheck = normalizeHealthcheck(input);
  return healthcheck ? { healthcheck } : {};
}
