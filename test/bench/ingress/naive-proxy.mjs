// The reference "minimal Node net proxy" of ANCHORS.md: accept, connect, pipe both ways, round-robin.
//   node naive-proxy.mjs PORT BACKEND_PORT...    prints "ready" when listening
import net from 'node:net';

const [port, ...backendPorts] = process.argv.slice(2).map(Number);
let next = 0;
const server = net.createServer((client) => {
  const backend = net.connect(backendPorts[next++ % backendPorts.length], '127.0.0.1');
  client.pipe(backend).pipe(client);
  client.on('error', () => backend.destroy());
  backend.on('error', () => client.destroy());
});
server.listen(port, '127.0.0.1', () => console.log('ready'));
process.on('SIGTERM', () => process.exit(0));
