// The proxy under test: swarmlet's IngressProxy in its own process (so it can be put in a cgroup).
//   node swarmlet-proxy.mjs PORT BACKEND_PORT...    (all on 127.0.0.1); prints "ready" when listening
import { IngressProxy } from '../../../packages/network/dist/index.js';

const [port, ...backendPorts] = process.argv.slice(2).map(Number);
const proxy = new IngressProxy();
await proxy.listen(
  { host: '127.0.0.1', port, protocol: 'tcp' },
  { backends: backendPorts.map((p) => ({ addr: '127.0.0.1', port: p })) },
);
process.on('SIGTERM', () => void proxy.stop().then(() => process.exit(0)));
console.log('ready');
