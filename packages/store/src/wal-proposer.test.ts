import { mkdtemp, readFile, rm, appendFile, writeFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from './store.js';
import { WalProposer } from './wal-proposer.js';
import { encodeRecord } from './wal-format.js';
import { sampleService } from './testing.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swarmlet-wal-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function openStore(
  opts = {},
): Promise<{ store: MemoryStore; wal: WalProposer; truncated: number }> {
  const { wal, recovery } = await WalProposer.open(dir, opts);
  const store = new MemoryStore({ proposer: wal });
  if (recovery.snapshot) store.restore(recovery.snapshot);
  for (const p of recovery.proposals) store.applyCommitted(p);
  return { store, wal, truncated: recovery.truncatedBytes };
}

describe('WalProposer', () => {
  it('replays every acknowledged write after reopening', async () => {
    const a = await openStore();
    for (let i = 0; i < 5; i++)
      await a.store.update((tx) => tx.create('service', sampleService(`s${i}`)));
    await a.wal.close();
    const b = await openStore();
    expect(b.store.version).toBe(5);
    expect(b.store.view((tx) => tx.find('service').map((s) => s.spec.name)).sort()).toEqual([
      's0',
      's1',
      's2',
      's3',
      's4',
    ]);
    await b.wal.close();
  });

  it('truncates a torn tail and keeps the records before it', async () => {
    const a = await openStore();
    await a.store.update((tx) => tx.create('service', sampleService('kept')));
    await a.wal.close();
    const torn = encodeRecord(Buffer.from('{"version":2,"actions":[]}')).subarray(0, 13);
    await appendFile(join(dir, 'wal.log'), torn);
    const b = await openStore();
    expect(b.truncated).toBe(13);
    expect(b.store.version).toBe(1);
    await b.store.update((tx) => tx.create('service', sampleService('after')));
    await b.wal.close();
    const c = await openStore();
    expect(c.store.count('service')).toBe(2);
    await c.wal.close();
  });

  it('refuses a log with corruption in the middle, naming the offset', async () => {
    const a = await openStore();
    await a.store.update((tx) => tx.create('service', sampleService('one')));
    await a.store.update((tx) => tx.create('service', sampleService('two')));
    await a.wal.close();
    const path = join(dir, 'wal.log');
    const buf = await readFile(path);
    buf[10] = buf[10]! ^ 0xff; // inside the first record's payload
    await writeFile(path, buf);
    await expect(WalProposer.open(dir)).rejects.toThrow(/corrupt at offset 0/);
  });

  it('treats a zero-filled tail as torn', async () => {
    const a = await openStore();
    await a.store.update((tx) => tx.create('service', sampleService('one')));
    await a.wal.close();
    await appendFile(join(dir, 'wal.log'), Buffer.alloc(64));
    const b = await openStore();
    expect(b.truncated).toBe(64);
    expect(b.store.version).toBe(1);
    await b.wal.close();
  });

  it('compacts into a snapshot, empties the log and replays snapshot plus later records', async () => {
    const a = await openStore({ snapshotInterval: 3 });
    for (let i = 0; i < 7; i++)
      await a.store.update((tx) => tx.create('service', sampleService(`s${i}`)));
    await a.wal.close();
    expect((await stat(join(dir, 'snapshot.json'))).size).toBeGreaterThan(0);
    const b = await openStore({ snapshotInterval: 3 });
    expect(b.store.version).toBe(7);
    expect(b.store.count('service')).toBe(7);
    await b.wal.close();
  });
});

describe('WalProposer under SIGKILL (real process)', () => {
  it('loses no acknowledged write when the writer is killed mid-stream', async () => {
    const storeUrl = new URL('../dist/index.js', import.meta.url).href;
    const code = `
      const { MemoryStore, WalProposer, sampleService } = await import(${JSON.stringify(storeUrl)});
      const { wal, recovery } = await WalProposer.open(process.argv[1], { snapshotInterval: 50 });
      const store = new MemoryStore({ proposer: wal });
      if (recovery.snapshot) store.restore(recovery.snapshot);
      for (const p of recovery.proposals) store.applyCommitted(p);
      for (let i = 0; ; i++) {
        const s = await store.update((tx) => tx.create('service', sampleService(process.argv[2] + '-' + i)));
        process.stdout.write('ack ' + s.spec.name + '\\n');
      }`;
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, ['--input-type=module', '-e', code, dir, `r${round}`], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const acked: string[] = [];
      let buf = '';
      let flowing: () => void = () => undefined;
      const started = new Promise<void>((r) => (flowing = r));
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop()!;
        for (const l of lines) if (l.startsWith('ack ')) acked.push(l.slice(4));
        if (acked.length >= 20) flowing();
      });
      // Kill at a different point of the write stream each round, once writes are flowing.
      await started;
      await new Promise((r) => setTimeout(r, round * 37));
      child.kill('SIGKILL');
      await new Promise((r) => child.on('exit', r));
      expect(acked.length).toBeGreaterThan(0);
      const { store, wal } = await openStore({ snapshotInterval: 50 });
      const names = new Set(store.view((tx) => tx.find('service').map((s) => s.spec.name)));
      const lost = acked.filter((n) => !names.has(n));
      expect(lost).toEqual([]);
      expect(names.has(acked[acked.length - 1]!)).toBe(true);
      await wal.close();
    }
  });
});
