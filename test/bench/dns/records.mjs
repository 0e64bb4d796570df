// The records both servers answer in the DNS benchmark: 20 services in endpoint mode vip, each
// with a VIP (`svcN` -> 1 A record) and 3 tasks (`tasks.svcN` -> 3 A records).
export const SERVICES = Array.from({ length: 20 }, (_, n) => ({
  name: `svc${n}`,
  vip: `10.0.1.${n + 1}`,
  tasks: [0, 1, 2].map((k) => `10.0.2.${3 * n + k + 1}`),
}));

/** The same records as an /etc/hosts file for dnsmasq's --addn-hosts. */
export function hostsFile() {
  return (
    SERVICES.flatMap((s) => [
      `${s.vip} ${s.name}`,
      ...s.tasks.map((t) => `${t} tasks.${s.name}`),
    ]).join('\n') + '\n'
  );
}

/** Queries in one pass over the query file. */
export const QUERIES_PER_PASS = 2 * SERVICES.length;

/** dnsperf's query file: every name once, `svcN A` then `tasks.svcN A`. */
export function queryFile() {
  return SERVICES.flatMap((s) => [`${s.name} A`, `tasks.${s.name} A`]).join('\n') + '\n';
}
