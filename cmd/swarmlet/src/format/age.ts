/**
 * Docker's `units.HumanDuration`: `Less than a second`, `2 seconds`, `About a minute`,
 * `5 minutes`, `About an hour`, `3 hours`, `2 days`, `3 weeks`, `4 months`, `2 years`.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

/** `2 minutes ago`, lower-cased as in `docker service ps`' CURRENT STATE column. */
export function ago(timestamp: string, now: Date): string {
  const ms = Math.max(0, now.getTime() - Date.parse(timestamp));
  return `${humanDuration(ms).toLowerCase()} ago`;
}
