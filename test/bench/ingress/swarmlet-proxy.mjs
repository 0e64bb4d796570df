// The proxy under test: swarmlet's IngressProxy in its own process (so it can be put in a cgroup).
//   node swarmlet-proxy.mjs [HOST:]PORT [HOST:]BACKEND_PORT...    (HOST defaults to 127.0.0.1)
// prints "ready" when listening
import { IngressProxy } from '../../../packages/network/dist/index.js';

const hostPort = (arg) => {
  const i = arg.lastIndexOf(':');
  return i < 0 ? ['127.0.0.1', Number(arg)] : [arg.slice(0, i), Number(arg.slice(i + 1))];
};
const [[host, port], ...backends] = process.argv.slice(2).map(hostPort);
const proxy = new IngressProxy();
await proxy.listen(
  { host, port, protocol: 'tcp' },
  { backends: backends.map(([addr, p]) => ({ addr, port: p })) },
);
process.on('SIGTERM', () => void proxy.stop().then(() => process.exit(0)));
console.log('ready');
