import * as zlib from 'node:zlib';

/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum of every
 * WAL record and snapshot file. `zlib.crc32` exists only on Node ≥ 20.15/22.2,
 * so a table-driven implementation is the fallback; both give identical values.
 */
const TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** Table-driven CRC-32 of `data`, continuing from `prev` (0 to start). Pure JS, any Node. */
export function crc32Table(data: Uint8Array, prev = 0): number {
  let c = (prev ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) {
    c = (TABLE[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

type NativeCrc = (data: Uint8Array, value?: number) => number;
const native: NativeCrc | undefined = (zlib as unknown as { crc32?: NativeCrc }).crc32;

/** CRC-32 of `data` (continuing from `prev`): native zlib when present, else the table. */
export function crc32(data: Uint8Array, prev = 0): number {
  return native !== undefined ? native(data, prev) >>> 0 : crc32Table(data, prev);
}
