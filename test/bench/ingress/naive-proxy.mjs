// The reference "minimal Node net proxy" of ANCHORS.md: accept, connect, pipe both ways, round-robin.
//   node naive-proxy.mjs [HOST:]PORT [HOST:]BACKEND_PORT...    (HOST defaults to 127.0.0.1)
// prints "ready" when listening
import net from 'node:net';

const hostPort = (arg) => {
  const i = arg.lastIndexOf(':');
  return i < 0 ? ['127.0.0.1', Number(arg)] : [arg.slice(0, i), Number(arg.slice(i + 1))];
};
const [[host, port], ...backends] = process.argv.slice(2).map(hostPort);
let next = 0;
const server = net.createServer((client) => {
  const [addr, p] = backends[next++ % backends.length];
  const backend = net.connect(p, addr);
  client.pipe(backend).pipe(client);
  client.on('error', () => backend.destroy());
  backend.on('error', () => client.destroy());
});
server.listen(port, host, () => console.log('ready'));
process.on('SIGTERM', () => process.exit(0));
