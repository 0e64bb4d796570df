/** The query types a records source distinguishes; every other type is 'OTHER'. */
export type QueryType = 'A' | 'AAAA' | 'OTHER';

/**
 * What a records source answers for one query.
 * - `records`: the name exists for this client. `addresses` are of the query's family (IPv4 for
 *   A, IPv6 for AAAA; others are left out of the answer); empty means NOERROR without answers
 *   (an AAAA query for an IPv4-only name, or a type the source has no records of). The answer
 *   lists them from index `first` (default 0), wrapping around. The server caches the encoding
 *   per array object, so a source must never mutate an array it has returned.
 * - `nxdomain`: the name is in the cluster's namespace but not visible to this client.
 * - `forward`: not a cluster name: the server asks its upstream resolvers.
 */
export type Answer =
  | {
      readonly kind: 'records';
      readonly addresses: readonly string[];
      /** Seconds. */
      readonly ttl: number;
      readonly first?: number;
    }
  | { readonly kind: 'nxdomain' }
  | { readonly kind: 'forward' };

/**
 * The source of the DNS server's answers. The server calls `lookup` synchronously on its hot
 * path for every query of class IN, with `name` lower-case and without the trailing dot; it
 * must not block. What a client may see is the source's decision, made per client address.
 */
export interface DnsRecords {
  lookup(clientAddr: string, name: string, type: QueryType): Answer;
}

/** The addresses behind one service name on one network. */
export type ServiceEndpoint =
  /** `<name>` answers the virtual IPs, `tasks.<name>` the task addresses. */
  | { readonly mode: 'vip'; readonly vips: readonly string[]; readonly tasks: readonly string[] }
  /** `<name>` and `tasks.<name>` both answer the task addresses (DNS round robin). */
  | { readonly mode: 'dnsrr'; readonly tasks: readonly string[] };

/** Options of `ServiceRecords`. */
export interface ServiceRecordsOptions {
  /**
   * The networks a client address is attached to, in the order they are searched when a name
   * exists on several of them. Called once per query naming a known service: keep it cheap
   * (a map lookup). An unknown client sees no network.
   */
  scope: (clientAddr: string) => readonly string[];
  /** TTL of every answer, in seconds. Default `DEFAULT_TTL`. */
  ttl?: number;
  /**
   * An optional cluster domain, e.g. 'swarmlet': `web.swarmlet` and `tasks.web.swarmlet` are then
   * `web` and `tasks.web`, and any name under it is a cluster name.
   */
  domain?: string;
}

/**
 * Default TTL: 1 s. Task addresses change with every task replacement and dnsrr order with every
 * answer; Docker's 600 s lets caching clients (Go, Java, nscd, systemd-resolved) hold a removed
 * task's address for 10 minutes and pin one rotation. With 1 s a caching client sees a change
 * within a second, and the re-asking costs the server microseconds.
 */
export const DEFAULT_TTL = 1;

const NXDOMAIN: Answer = { kind: 'nxdomain' };
const FORWARD: Answer = { kind: 'forward' };
const EMPTY: readonly string[] = Object.freeze([]);

/** One address list answered for one name and family, rotating when asked to. */
class Rotor {
  next = 0;
  readonly fixed: Answer | undefined;

  constructor(
    readonly addresses: readonly string[],
    readonly ttl: number,
    rotate: boolean,
  ) {
    if (!rotate || addresses.length < 2) this.fixed = { kind: 'records', addresses, ttl };
  }

  answer(): Answer {
    if (this.fixed !== undefined) return this.fixed;
    const first = this.next;
    this.next = first + 1 === this.addresses.length ? 0 : first + 1;
    return { kind: 'records', addresses: this.addresses, ttl: this.ttl, first };
  }
}

/** The answers of one name on one network. */
interface Entry {
  readonly a: Rotor;
  readonly aaaa: Rotor;
  readonly other: Answer;
}

/**
 * In-memory service names per network, Docker Swarm's rules:
 * - `<service>` answers its VIPs (endpoint mode vip) or its task addresses (dnsrr), and
 *   `tasks.<service>` its task addresses; task lists rotate by one on every answer (round robin
 *   over all clients; A and AAAA, `<service>` and `tasks.<service>` each have their own turn).
 * - A client sees a name only on the networks `scope(clientAddr)` returns; on several, the first.
 * - Names are case-insensitive and a trailing dot is ignored.
 * - Cluster names (one label, `tasks.<label>`, or under `domain`) that the client does not see
 *   answer NXDOMAIN; every other name is forwarded.
 * `set` and `delete` take effect for the next query: there is no cache in between (the server's
 * encoding cache is keyed by the address arrays, which `set` replaces).
 */
export class ServiceRecords implements DnsRecords {
  private readonly names = new Map<string, Map<string, Entry>>();
  private readonly scope: (clientAddr: string) => readonly string[];
  private readonly ttl: number;
  private readonly suffix: string;

  constructor(opts: ServiceRecordsOptions) {
    this.scope = opts.scope;
    this.ttl = opts.ttl ?? DEFAULT_TTL;
    this.suffix = opts.domain === undefined ? '' : '.' + normalizeName(opts.domain);
  }

  /** Sets (or replaces) the addresses of service `name` on `network`. */
  set(network: string, name: string, endpoint: ServiceEndpoint): void {
    const svc = normalizeName(name);
    const tasks = [...endpoint.tasks];
    const front = endpoint.mode === 'vip' ? [...endpoint.vips] : tasks;
    this.put(network, svc, front, endpoint.mode === 'dnsrr');
    this.put(network, 'tasks.' + svc, tasks, true);
  }

  /** Removes service `name` from `network`; false if it was not there. */
  delete(network: string, name: string): boolean {
    const svc = normalizeName(name);
    const found = this.remove(network, svc);
    this.remove(network, 'tasks.' + svc);
    return found;
  }

  lookup(clientAddr: string, name: string, type: QueryType): Answer {
    let byNetwork = this.names.get(name);
    const inDomain = this.suffix !== '' && name.endsWith(this.suffix);
    if (byNetwork === undefined && inDomain) {
      byNetwork = this.names.get(name.slice(0, -this.suffix.length));
    }
    if (byNetwork !== undefined) {
      for (const network of this.scope(clientAddr)) {
        const entry = byNetwork.get(network);
        if (entry === undefined) continue;
        return type === 'A'
          ? entry.a.answer()
          : type === 'AAAA'
            ? entry.aaaa.answer()
            : entry.other;
      }
    }
    const isDomain = this.suffix !== '' && name === this.suffix.slice(1);
    return inDomain || isDomain || isClusterShaped(name) ? NXDOMAIN : FORWARD;
  }

  private put(network: string, name: string, addresses: string[], rotate: boolean): void {
    let byNetwork = this.names.get(name);
    if (byNetwork === undefined) {
      byNetwork = new Map();
      this.names.set(name, byNetwork);
    }
    const old = byNetwork.get(network);
    const rotor = (family: 4 | 6, prev: Rotor | undefined): Rotor => {
      const list = addresses.filter((a) => a.includes(':') === (family === 6));
      const r = new Rotor(list.length > 0 ? list : EMPTY, this.ttl, rotate);
      // Keep the turn, so an update does not send the next query back to the first task.
      if (prev !== undefined && list.length > 0) r.next = prev.next % list.length;
      return r;
    };
    byNetwork.set(network, {
      a: rotor(4, old?.a),
      aaaa: rotor(6, old?.aaaa),
      other: { kind: 'records', addresses: EMPTY, ttl: this.ttl },
    });
  }

  private remove(network: string, name: string): boolean {
    const byNetwork = this.names.get(name);
    if (byNetwork === undefined || !byNetwork.delete(network)) return false;
    if (byNetwork.size === 0) this.names.delete(name);
    return true;
  }
}

/** Lower case, without the trailing dot. */
export function normalizeName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** One label, or `tasks.` and one label. */
function isClusterShaped(name: string): boolean {
  if (name === '') return false;
  const dot = name.indexOf('.');
  return dot < 0 || (name.startsWith('tasks.') && name.indexOf('.', 6) < 0 && name.length > 6);
}
