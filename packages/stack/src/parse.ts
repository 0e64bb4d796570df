import { invalid } from '@swarmlet/api-types';
import { parseDocument, type ScalarTag } from 'yaml';
import { isMap, type RawMap } from './raw.js';

/** YAML 1.1 octals (`mode: 0440`), which Compose files use and YAML 1.2 reads as decimal. */
const legacyOctal: ScalarTag = {
  identify: (v) => typeof v === 'number',
  default: true,
  tag: 'tag:yaml.org,2002:int',
  test: /^0[0-7]+$/,
  resolve: (s) => parseInt(s, 8),
};

/**
 * Parses one compose file: YAML with merge keys (`<<: *anchor`) and legacy octals, a mapping at
 * the top, and a `version` that is absent (the Compose Specification) or 3.x. Errors name the
 * file and, for syntax errors, the line.
 */
export function parseComposeFile(text: string, file: string): RawMap {
  const doc = parseDocument(text, { merge: true, customTags: (tags) => [legacyOctal, ...tags] });
  const err = doc.errors[0];
  if (err) throw invalid(`${file}: ${err.message.split('\n')[0] ?? err.message}`);
  const value: unknown = doc.toJS({ maxAliasCount: 1000 });
  if (value === null || value === undefined) return {};
  if (!isMap(value))
    throw invalid(`${file}: a compose file is a mapping (services:, networks:, ...)`);
  const version = value['version'];
  if (version !== undefined && !/^3(\.\d+)?$/.test(String(version)))
    throw invalid(
      `${file}: compose file version ${String(version)} is not supported: use 3.x or leave version out (Compose Specification)`,
    );
  return value;
}
