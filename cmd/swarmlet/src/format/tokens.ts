import type { ApiTokenInfo } from '@swarmlet/api-types';
import { humanDuration } from './age.js';
import { formatTable } from './table.js';

/**
 * `token ls` table: `ID  NAME  ROLE  CREATED`, sorted by name, CREATED as docker's `secret ls`
 * (`About an hour ago`). The tokens themselves are never shown again after creation.
 */
export function formatTokenTable(tokens: readonly ApiTokenInfo[], now: Date): string {
  const rows = [...tokens]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((t) => [
      t.id,
      t.name,
      t.role,
      `${humanDuration(now.getTime() - Date.parse(t.createdAt))} ago`,
    ]);
  return formatTable(['ID', 'NAME', 'ROLE', 'CREATED'], rows);
}
