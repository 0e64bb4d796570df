import { parseArgs } from 'node:util';
import { isIP } from 'node:net';
import { invalid } from '@swarmlet/api-types';

export const DEFAULTS = {
  dataDir: '/var/lib/swarmlet',
  socket: '/var/run/swarmlet.sock',
  logLevel: 'info',
  engineConcurrency: 16,
  drainMs: 1000,
} as const;

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export interface DaemonConfig {
  dataDir: string;
  socket: string;
  /** `host:port` on loopback, or undefined for no TCP listener. */
  tcp: { host: string; port: number } | undefined;
  logLevel: (typeof LEVELS)[number];
  dockerHost: string | undefined;
  hostname: string | undefined;
  engineConcurrency: number;
  heartbeatPeriodMs: number | undefined;
  /** Overlay networks, service DNS, VIPs and ingress on this node (off: engine default bridge). */
  dataPlane: boolean;
  /** Wait before stopping a task that served traffic. */
  drainMs: number;
  /** Port of the service DNS server on each overlay address (tests). */
  dnsPort: number;
}

export const USAGE = `Usage: swarmletd [options]

The swarmlet daemon: one per node. Serves the API on a unix socket; run \`swarmlet init\` to
create a cluster on this node.

Options:
  --data-dir DIR          state directory (env SWARMLET_DATA_DIR, default ${DEFAULTS.dataDir})
  --socket PATH           API unix socket, mode 0600 (env SWARMLET_SOCKET, default ${DEFAULTS.socket})
  --tcp HOST:PORT         also serve the API over TCP; loopback only until authentication exists
  --log-level LEVEL       ${LEVELS.join('|')} (env SWARMLET_LOG_LEVEL, default info)
  --docker-host ADDR      Docker engine: unix:///path or tcp://host:port (env DOCKER_HOST)
  --hostname NAME         node hostname to report (default: the machine's)
  --engine-concurrency N  tasks preparing/starting at once (default ${DEFAULTS.engineConcurrency})
  --no-data-plane         no overlay networks, service DNS, VIPs or ingress on this node: tasks
                          use the engine's default bridge (several daemons sharing one engine)
  --drain-ms MS           wait before stopping a task that served traffic (default ${DEFAULTS.drainMs})
  -h, --help              show this help
`;

/** Parses flags and environment; throws INVALID_ARGUMENT with a message for the user. */
export function parseConfig(argv: string[], env: NodeJS.ProcessEnv): DaemonConfig | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      'data-dir': { type: 'string' },
      socket: { type: 'string' },
      tcp: { type: 'string' },
      'log-level': { type: 'string' },
      'docker-host': { type: 'string' },
      hostname: { type: 'string' },
      'engine-concurrency': { type: 'string' },
      'heartbeat-period-ms': { type: 'string' },
      'no-data-plane': { type: 'boolean' },
      'drain-ms': { type: 'string' },
      'dns-port': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const logLevel = values['log-level'] ?? env.SWARMLET_LOG_LEVEL ?? DEFAULTS.logLevel;
  if (!(LEVELS as readonly string[]).includes(logLevel)) {
    throw invalid(`invalid --log-level "${logLevel}": use one of ${LEVELS.join(', ')}`);
  }
  return {
    dataDir: values['data-dir'] ?? env.SWARMLET_DATA_DIR ?? DEFAULTS.dataDir,
    socket: values.socket ?? env.SWARMLET_SOCKET ?? DEFAULTS.socket,
    tcp: values.tcp === undefined ? undefined : parseLoopback(values.tcp),
    logLevel: logLevel as DaemonConfig['logLevel'],
    dockerHost: values['docker-host'] ?? env.DOCKER_HOST,
    hostname: values.hostname,
    engineConcurrency: positiveInt(
      values['engine-concurrency'],
      DEFAULTS.engineConcurrency,
      '--engine-concurrency',
    ),
    heartbeatPeriodMs:
      values['heartbeat-period-ms'] === undefined
        ? undefined
        : positiveInt(values['heartbeat-period-ms'], 0, '--heartbeat-period-ms'),
    dataPlane: !values['no-data-plane'] && env.SWARMLET_NO_DATA_PLANE !== '1',
    drainMs:
      values['drain-ms'] === '0'
        ? 0
        : positiveInt(values['drain-ms'], DEFAULTS.drainMs, '--drain-ms'),
    dnsPort: positiveInt(values['dns-port'], 53, '--dns-port'),
  };
}

function parseLoopback(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  const host = i > 0 ? addr.slice(0, i).replace(/^\[|\]$/g, '') : '';
  const port = Number(addr.slice(i + 1));
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535)
    throw invalid(`invalid --tcp "${addr}": expected HOST:PORT`);
  const loopback =
    host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
  if (!loopback) {
    throw invalid(
      `--tcp ${addr} refused: the API has no authentication yet, so it listens on loopback only (127.0.0.0/8 or ::1)`,
    );
  }
  return { host, port };
}

function positiveInt(raw: string | undefined, fallback: number, flag: string): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw invalid(`invalid ${flag} "${raw}": expected a positive integer`);
  return n;
}
