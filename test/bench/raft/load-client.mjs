// Load generator run as its own process: N concurrent writers of 8 B keys and fixed-size values
// against either the swarmlet KV example or etcd, for a fixed time. Prints one JSON line.
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { noop } from 'cockatiel';
import { Etcd3 } from 'etcd3';
import { KvClient } from '../../../packages/raft/dist/node/kv-example/kv-client.js';

const cfg = JSON.parse(process.argv[2] ?? '{}');
const { system, endpoints, concurrency, durationMs, warmupMs, valueSize } = cfg;
const value = Buffer.alloc(valueSize, 0x61);

let put;
let close;
if (system === 'etcd') {
  const client = new Etcd3({ hosts: endpoints, faultHandling: { host: () => noop, global: noop } });
  put = (k) => client.put(k).value(value).exec();
  close = () => client.close();
} else {
  const client = new KvClient(endpoints);
  put = (k) => client.put(k, value);
  close = () => client.close();
}

const lat = [];
let errors = 0;
let seq = 0;
const start = performance.now();
const measureFrom = start + warmupMs;
const end = measureFrom + durationMs;

async function worker() {
  while (performance.now() < end) {
    const key = `k${String(seq++ % 10_000_000).padStart(7, '0')}`;
    const t0 = performance.now();
    try {
      await put(key);
    } catch {
      errors++;
      continue;
    }
    if (t0 >= measureFrom && t0 < end) lat.push(performance.now() - t0);
  }
}

await Promise.all(Array.from({ length: concurrency }, worker));
close();
lat.sort((a, b) => a - b);
const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
console.log(
  JSON.stringify({
    system,
    concurrency,
    ops: lat.length,
    rate: lat.length / (durationMs / 1000),
    p50: q(0.5),
    p99: q(0.99),
    errors,
  }),
);
process.exit(0);
