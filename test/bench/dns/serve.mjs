// The swarmlet side of the DNS benchmark: a DnsServer on 127.0.0.1:PORT serving the records of
// records.mjs to client 127.0.0.1, no upstreams. Runs until SIGTERM/SIGINT (bench.mjs stops it
// by PID); prints "ready PORT" once listening.
import { DnsServer, ServiceRecords } from '@swarmlet/network';
import { SERVICES } from './records.mjs';

const port = Number(process.argv[2] ?? 0);
const records = new ServiceRecords({ scope: (addr) => (addr === '127.0.0.1' ? ['bench'] : []) });
for (const s of SERVICES) {
  records.set('bench', s.name, { mode: 'vip', vips: [s.vip], tasks: s.tasks });
}
const server = new DnsServer({ records, host: '127.0.0.1', port, upstreams: [] });
await server.start();
console.log(`ready ${server.address().port}`);
const stop = () => void server.stop().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
