import type {
  ApiTokenCreateRequest,
  ApiTokenCreated,
  ApiTokenInfo,
  JoinRequest,
  JoinResult,
  JoinTokens,
  LeaveRequest,
  SwarmApi,
  SwarmUpdateRequest,
  UnlockKey,
  UnlockRequest,
} from '@swarmlet/api-types';
import { notFound, SwarmletError } from '@swarmlet/api-types';

/**
 * An in-memory SwarmApi for CLI tests: join tokens that rotate, joins that succeed for a known
 * token (with the role it admits), a leave that refuses managers without force, and API tokens
 * found by id or name. Records the last join and leave requests.
 */
export class FakeSwarm implements SwarmApi {
  tokens: JoinTokens = { worker: 'SWLTKN-1-fake-worker-0', manager: 'SWLTKN-1-fake-manager-0' };
  readonly apiTokens: ApiTokenInfo[] = [];
  joined: JoinRequest | undefined;
  left: LeaveRequest | undefined;
  /** Role of the local node, for `leave`. */
  role: 'worker' | 'manager' = 'manager';
  private rotations = 0;
  /** Autolock's key (undefined: off); `locked` until `unlock` with it. */
  unlockKeyValue: string | undefined;
  locked = false;

  async updateSwarm(req: SwarmUpdateRequest): Promise<UnlockKey> {
    if (!req.autolock) this.unlockKeyValue = undefined;
    else this.unlockKeyValue ??= `SWLKEY-1-fake${++this.rotations}`;
    return this.unlockKeyValue ? { unlockKey: this.unlockKeyValue } : {};
  }

  async unlockKey(rotate = false): Promise<UnlockKey> {
    if (!this.unlockKeyValue) throw new SwarmletError('FAILED_PRECONDITION', 'autolock is off');
    if (rotate) this.unlockKeyValue = `SWLKEY-1-fake${++this.rotations}`;
    return { unlockKey: this.unlockKeyValue };
  }

  async unlock(req: UnlockRequest): Promise<void> {
    if (!this.locked) throw new SwarmletError('FAILED_PRECONDITION', 'this node is not locked');
    if (req.unlockKey !== this.unlockKeyValue)
      throw new SwarmletError('INVALID_ARGUMENT', 'the unlock key is not the right one');
    this.locked = false;
  }

  async join(req: JoinRequest): Promise<JoinResult> {
    const role =
      req.token === this.tokens.manager
        ? 'manager'
        : req.token === this.tokens.worker
          ? 'worker'
          : undefined;
    if (!role) throw new SwarmletError('UNAUTHORIZED', 'invalid join token');
    this.joined = req;
    return { nodeId: 'j0inedaaaaaaaaaaaaaaaaaaa', role, clusterId: 'c1' };
  }

  async leave(req: LeaveRequest): Promise<void> {
    if (this.role === 'manager' && !req.force) {
      throw new SwarmletError('FAILED_PRECONDITION', 'this node is a manager: demote it first');
    }
    this.left = req;
  }

  async joinTokens(): Promise<JoinTokens> {
    return { ...this.tokens };
  }

  async rotateJoinToken(role: 'worker' | 'manager'): Promise<JoinTokens> {
    this.tokens[role] = `SWLTKN-1-fake-${role}-${++this.rotations}`;
    return { ...this.tokens };
  }

  async createApiToken(req: ApiTokenCreateRequest): Promise<ApiTokenCreated> {
    if (this.apiTokens.some((t) => t.name === req.name)) {
      throw new SwarmletError('ALREADY_EXISTS', `token ${req.name} already exists`);
    }
    const id = `t0ken${this.apiTokens.length}`.padEnd(12, 'a');
    const info = {
      id,
      name: req.name,
      role: req.role ?? 'admin',
      createdAt: new Date().toISOString(),
    };
    this.apiTokens.push(info);
    return { ...info, token: `swlapi_${id}_${'s'.repeat(32)}` };
  }

  async listApiTokens(): Promise<ApiTokenInfo[]> {
    return structuredClone(this.apiTokens);
  }

  async removeApiToken(ref: string): Promise<void> {
    const i = this.apiTokens.findIndex((t) => t.id === ref || t.name === ref);
    if (i === -1) throw notFound('token', ref);
    this.apiTokens.splice(i, 1);
  }
}
