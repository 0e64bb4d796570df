import type { Config, Labels, Meta, SecretView, TlsInfo } from '@swarmlet/api-types';
import { formatBytes } from '../parse/bytes.js';
import { humanDuration } from './age.js';
import { kv } from './pretty.js';
import { formatTable } from './table.js';

const W = 16;

function since(timestamp: string, now: Date): string {
  return `${humanDuration(Math.max(0, now.getTime() - Date.parse(timestamp)))} ago`;
}

function byName<T extends { spec: { name: string } }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => a.spec.name.localeCompare(b.spec.name));
}

/** Size of a config's base64 data in bytes. */
export function configSize(c: Config): number {
  return Buffer.from(c.spec.data, 'base64').byteLength;
}

/**
 * `secret ls`: docker's `ID  NAME  CREATED  UPDATED` (full ids, `About an hour ago`) plus TYPE
 * and SIZE, sorted by name. The data is never shown.
 */
export function formatSecretTable(secrets: readonly SecretView[], now: Date): string {
  const rows = byName(secrets).map((s) => [
    s.id,
    s.spec.name,
    s.spec.type,
    formatBytes(s.size),
    since(s.meta.createdAt, now),
    since(s.meta.updatedAt, now),
  ]);
  return formatTable(['ID', 'NAME', 'TYPE', 'SIZE', 'CREATED', 'UPDATED'], rows);
}

/** `config ls`: docker's `ID  NAME  CREATED  UPDATED` plus SIZE, sorted by name. */
export function formatConfigTable(configs: readonly Config[], now: Date): string {
  const rows = byName(configs).map((c) => [
    c.id,
    c.spec.name,
    formatBytes(configSize(c)),
    since(c.meta.createdAt, now),
    since(c.meta.updatedAt, now),
  ]);
  return formatTable(['ID', 'NAME', 'SIZE', 'CREATED', 'UPDATED'], rows);
}

/** Docker's `Labels:` block (` - k=v`, or ` - k` for an empty value); nothing without labels. */
function labelLines(labels: Labels): string[] {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return [];
  return ['Labels:', ...keys.map((k) => (labels[k] ? ` - ${k}=${labels[k]}` : ` - ${k}`))];
}

function header(id: string, name: string, labels: Labels): string[] {
  return [kv('ID', id, W), kv('Name', name, W), ...labelLines(labels)];
}

function times(meta: Meta): string[] {
  return [kv('Created at', meta.createdAt, W), kv('Updated at', meta.updatedAt, W)];
}

function tlsLines(tls: TlsInfo, now: Date): string[] {
  const left = Date.parse(tls.notAfter) - now.getTime();
  const expiry = left <= 0 ? 'expired' : `expires in ${humanDuration(left).toLowerCase()}`;
  return [
    'Certificate:',
    kv(' Subject', tls.subject, W),
    kv(' Issuer', tls.issuer, W),
    kv(' Not Before', tls.notBefore, W),
    kv(' Not After', `${tls.notAfter} (${expiry})`, W),
  ];
}

/**
 * `secret inspect --pretty`, after docker's layout: id, name, labels, type, size, times, and for
 * a `tls` secret its certificate's subject, issuer and validity (with the time left).
 */
export function formatSecretPretty(s: SecretView, now: Date): string {
  const lines = [
    ...header(s.id, s.spec.name, s.spec.labels),
    kv('Type', s.spec.type, W),
    kv('Size', `${s.size} bytes`, W),
    ...times(s.meta),
    ...(s.tls ? tlsLines(s.tls, now) : []),
  ];
  return `${lines.join('\n')}\n`;
}

/** `config inspect --pretty`, after docker's layout: the fields, then `Data:` and the decoded data. */
export function formatConfigPretty(c: Config): string {
  const data = Buffer.from(c.spec.data, 'base64').toString('utf8');
  const lines = [...header(c.id, c.spec.name, c.spec.labels), ...times(c.meta), 'Data:'];
  return `${lines.join('\n')}\n${data.endsWith('\n') ? data : `${data}\n`}`;
}
