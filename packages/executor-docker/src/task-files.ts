import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, open, readdir, readFile, rename, rm, unlink } from 'node:fs/promises';
import { posix } from 'node:path';
import { promisify } from 'node:util';
import { ExecutorError } from '@swarmlet/agent';

const run = promisify(execFile);

/** One secret or config file of a task, as the node writes it. */
export interface TaskFile {
  /** Absolute path inside the container, e.g. /run/secrets/db_password or /etc/app.conf */
  target: string;
  data: Buffer;
  uid: number;
  gid: number;
  /** Permission bits only (0..0o777), e.g. 0o444. */
  mode: number;
}

export interface TaskFilesOptions {
  /** Host directory holding one tmpfs per task. Default /run/swarmlet/tasks. */
  root?: string;
  /** Size limit of each task's tmpfs. Default 16 MiB. */
  tmpfsBytes?: number;
}

/** Targets under this directory share one read-only directory bind (swapped by rename). */
export const SECRETS_DIR = '/run/secrets';
export const DEFAULT_TASK_FILES_ROOT = '/run/swarmlet/tasks';
const DEFAULT_TMPFS_BYTES = 16 * 1024 * 1024;
const MAX_ID = 0xfffffffe;
const TASK_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const COMMAND_TIMEOUT_MS = 10_000;

/** Where one file lives in a task's tmpfs and how the container sees it. */
export interface PlannedFile {
  file: TaskFile;
  /** 'dir': inside the /run/secrets directory bind; 'single': its own file bind. */
  kind: 'dir' | 'single';
  /** Path relative to the task's tmpfs: `run-secrets/<rel>` or `files/<key>`. */
  path: string;
}

/** The layout of one task's tmpfs: `run-secrets/` (bound at /run/secrets), `files/`, `versions/`. */
export const LAYOUT = { secrets: 'run-secrets', files: 'files', versions: 'versions' } as const;

/** Stable name of a single-file target inside `files/` (the bind source; same for every update). */
export function fileKey(target: string): string {
  return createHash('sha256').update(target).digest('hex').slice(0, 20);
}

function invalidFile(message: string): ExecutorError {
  return new ExecutorError('create', `task files: ${message}`, false);
}

/** Throws unless `id` is usable as one path component (no `/`, no `..`). */
export function validateTaskId(id: string): void {
  if (!TASK_ID.test(id) || id === '.' || id === '..') throw invalidFile(`bad task id ${id}`);
}

/** Throws a permanent `create` error unless `target` is absolute, normalised, not `/`, without `:`. */
export function validateTarget(target: string): void {
  if (!target.startsWith('/')) throw invalidFile(`target ${target} is not absolute`);
  if (target === '/' || target.endsWith('/')) throw invalidFile(`target ${target} is not a file`);
  if (target.includes('\0') || target.includes(':') || target.includes(',')) {
    throw invalidFile(`target ${target} contains a NUL, ':' or ','`);
  }
  const parts = target.slice(1).split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw invalidFile(`target ${target} is not normalised (empty, . or .. segment)`);
  }
  if (target === SECRETS_DIR || SECRETS_DIR.startsWith(`${target}/`)) {
    throw invalidFile(`target ${target} would hide ${SECRETS_DIR}`);
  }
}

/** Throws unless uid/gid are valid ids and mode holds permission bits only (no setuid/sticky). */
export function validateOwnership(file: Pick<TaskFile, 'target' | 'uid' | 'gid' | 'mode'>): void {
  for (const [name, id] of [
    ['uid', file.uid],
    ['gid', file.gid],
  ] as const) {
    if (!Number.isInteger(id) || id < 0 || id > MAX_ID) {
      throw invalidFile(`${file.target}: ${name} ${id} is not an id`);
    }
  }
  if (!Number.isInteger(file.mode) || file.mode < 0 || file.mode > 0o777) {
    throw invalidFile(`${file.target}: mode ${file.mode.toString(8)} is not within 0..0777`);
  }
}

/**
 * Validates a task's files together (each target, ownership, no duplicate target, no target
 * inside another's path) and places them: under /run/secrets in the shared directory, elsewhere
 * as single-file binds.
 */
export function planTaskFiles(files: readonly TaskFile[]): PlannedFile[] {
  const targets = new Set<string>();
  for (const file of files) {
    validateTarget(file.target);
    validateOwnership(file);
    if (targets.has(file.target)) throw invalidFile(`duplicate target ${file.target}`);
    targets.add(file.target);
  }
  for (const target of targets) {
    for (let dir = posix.dirname(target); dir !== '/'; dir = posix.dirname(dir)) {
      if (targets.has(dir)) throw invalidFile(`target ${target} is inside target ${dir}`);
    }
  }
  return files.map((file) => {
    const inSecrets = file.target.startsWith(`${SECRETS_DIR}/`);
    return inSecrets
      ? { file, kind: 'dir', path: `${LAYOUT.secrets}${file.target.slice(SECRETS_DIR.length)}` }
      : { file, kind: 'single', path: `${LAYOUT.files}/${fileKey(file.target)}` };
  });
}

/**
 * Docker `HostConfig.Binds` for a planned task, all read-only: one directory bind at /run/secrets
 * when any target is there, and one `ro,rslave` file bind per other target (rslave lets a mount
 * swapped over the source on the host reach the container: see README "Secret and config files").
 */
export function taskBinds(taskDir: string, planned: readonly PlannedFile[]): string[] {
  const binds: string[] = [];
  if (planned.some((p) => p.kind === 'dir')) {
    binds.push(`${taskDir}/${LAYOUT.secrets}:${SECRETS_DIR}:ro`);
  }
  for (const p of planned) {
    if (p.kind === 'single') binds.push(`${taskDir}/${p.path}:${p.file.target}:ro,rslave`);
  }
  return binds;
}

/** Decodes the octal escapes (`\040` for space, …) of a /proc/self/mountinfo path field. */
export function unescapeMountPath(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Mount points (field 5) of /proc/self/mountinfo text, one entry per mount (stacked repeat). */
export function parseMountPoints(mountinfo: string): string[] {
  const points: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const field = line.split(' ')[4];
    if (field !== undefined) points.push(unescapeMountPath(field));
  }
  return points;
}

/**
 * Replaces the file mounted at argv[1] by a read-only clone of argv[0] in one step, with the new
 * mount API (Linux >= 5.12; the swap itself needs MOVE_MOUNT_BENEATH, Linux >= 6.5): mount the new
 * version *beneath* the current one, then detach the current one. A path lookup sees either the
 * old or the new file, never neither, and the mount stack stays at one overlay. The mount is made
 * read-only before it is attached, so its propagated copies in containers are read-only too.
 * Prints "top" (first overlay), "beneath" (swapped) or "stacked" (old kernel: one more overlay).
 */
const SWAP_SCRIPT = String.raw`
use strict; use warnings;
my ($src, $dst, $mode, $umount_nr) = @ARGV; my $e = '';
my $fd = syscall(428, -100, $src, 1 | 02000000);
die "open_tree $src: $!\n" if $fd < 0;
my $attr = pack('QQQQ', 1, 0, 0, 0);
syscall(442, $fd, $e, 0x1000, $attr, length $attr) == 0 or die "mount_setattr: $!\n";
if ($mode eq 'beneath') {
  if (syscall(429, $fd, $e, -100, $dst, 0x204) == 0) {
    if ($umount_nr > 0) { syscall($umount_nr, $dst, 2) == 0 or die "umount2 $dst: $!\n"; }
    else { system('umount', '--lazy', $dst) == 0 or die "umount $dst failed\n"; }
    print "beneath\n"; exit 0;
  }
  $!{EINVAL} or die "move_mount beneath $dst: $!\n";
  $mode = 'stacked';
}
syscall(429, $fd, $e, -100, $dst, 0x04) == 0 or die "move_mount $dst: $!\n";
print "$mode\n";
`;

/** umount2(2) numbers; elsewhere the script runs umount(8). */
const UMOUNT2: Partial<Record<string, number>> = { x64: 166, arm64: 39 };

async function command(file: string, args: readonly string[], what: string): Promise<string> {
  try {
    const { stdout } = await run(file, args, { timeout: COMMAND_TIMEOUT_MS });
    return stdout.trim();
  } catch (err) {
    const stderr = (err as { stderr?: unknown }).stderr;
    const detail = typeof stderr === 'string' && stderr !== '' ? stderr.trim() : String(err);
    throw new ExecutorError('runtime', `task files: ${what}: ${detail}`, true, {
      cause: err,
    });
  }
}

/** Writes `data` to a new file at `path` with the file's owner and mode (fails if it exists). */
async function writeNew(path: string, file: TaskFile): Promise<void> {
  const handle = await open(path, 'wx', 0o600);
  try {
    await handle.writeFile(file.data);
    await handle.chown(file.uid, file.gid);
    await handle.chmod(file.mode);
  } finally {
    await handle.close();
  }
}

let versionCounter = 0;
function versionName(key: string): string {
  versionCounter = (versionCounter + 1) % 1_000_000;
  return `${key}.${Date.now().toString(36)}-${versionCounter}`;
}

/**
 * The node-side store of tasks' secret and config files: one tmpfs per task under `root`, so the
 * contents never reach a disk. Operations on one task are serialised; different tasks run in
 * parallel. Needs root (mount) and, for `update` of single-file targets, perl (Debian's
 * essential perl-base) to reach the mount syscalls.
 */
export class TaskFiles {
  readonly root: string;
  private readonly tmpfsBytes: number;
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(opts: TaskFilesOptions = {}) {
    this.root = opts.root ?? DEFAULT_TASK_FILES_ROOT;
    this.tmpfsBytes = opts.tmpfsBytes ?? DEFAULT_TMPFS_BYTES;
  }

  /** The task's tmpfs mount point on the host. */
  taskDir(taskId: string): string {
    validateTaskId(taskId);
    return posix.join(this.root, taskId);
  }

  /**
   * Creates (idempotently) a tmpfs for the task, writes every file with its uid/gid/mode, and
   * returns the Docker bind mounts for them (HostConfig.Binds entries, read-only). Calling it again
   * for a prepared task rewrites the files through `update` and returns the same binds.
   */
  async prepare(taskId: string, files: readonly TaskFile[]): Promise<string[]> {
    const dir = this.taskDir(taskId);
    const planned = planTaskFiles(files);
    const total = files.reduce((sum, f) => sum + f.data.length, 0);
    // Updates hold two versions of a file for a moment.
    if (2 * total + 64 * 1024 > this.tmpfsBytes) {
      throw invalidFile(`${total} bytes of files do not fit a ${this.tmpfsBytes}-byte tmpfs`);
    }
    return this.serialise(taskId, async () => {
      await this.ensureTmpfs(dir);
      for (const p of planned) await this.place(dir, p, true);
      return taskBinds(dir, planned);
    });
  }

  /**
   * Replaces files' contents (and owner/mode) atomically for a running task: a reader opening the
   * target sees the old or the new file, whole. Every target must have been prepared.
   */
  async update(taskId: string, files: readonly TaskFile[]): Promise<void> {
    const dir = this.taskDir(taskId);
    const planned = planTaskFiles(files);
    return this.serialise(taskId, async () => {
      for (const p of planned) await this.place(dir, p, false);
    });
  }

  /** Unmounts and removes the task's tmpfs (lazily: open files stay readable); succeeds if absent. */
  async release(taskId: string): Promise<void> {
    const dir = this.taskDir(taskId);
    return this.serialise(taskId, async () => {
      // A loop, in case the tmpfs was mounted twice (e.g. by two agents racing after a crash).
      for (let i = 0; i < 4 && (await this.mountPoints()).includes(dir); i++) {
        await command('umount', ['--recursive', '--lazy', dir], `unmount ${dir}`);
      }
      await rm(dir, { recursive: true, force: true });
    });
  }

  /** Task ids with a directory under `root`, mounted or leftover (to release after a restart). */
  async list(): Promise<string[]> {
    const entries = await readdir(this.root, { withFileTypes: true }).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    });
    return entries.filter((e) => e.isDirectory() && TASK_ID.test(e.name)).map((e) => e.name);
  }

  private serialise<T>(taskId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(taskId) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const settled = next.catch(() => undefined);
    this.queues.set(taskId, settled);
    void settled.then(() => {
      if (this.queues.get(taskId) === settled) this.queues.delete(taskId);
    });
    return next;
  }

  private async mountPoints(): Promise<string[]> {
    return parseMountPoints(await readFile('/proc/self/mountinfo', 'utf8'));
  }

  /**
   * tmpfs at `dir` (private, so nothing we mount inside leaks elsewhere), and `files/` bound onto
   * itself as a shared mount: Docker requires a shared source for `rslave`, and overlays mounted
   * on `files/<key>` then propagate into the containers.
   */
  private async ensureTmpfs(dir: string): Promise<void> {
    const points = await this.mountPoints();
    if (!points.includes(dir)) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const opts = `size=${this.tmpfsBytes},mode=0700,nosuid,nodev,noexec`;
      await command('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir], `mount tmpfs at ${dir}`);
      await command('mount', ['--make-private', dir], `make ${dir} private`);
    }
    const filesDir = posix.join(dir, LAYOUT.files);
    if (!points.includes(filesDir)) {
      await mkdir(filesDir, { recursive: true, mode: 0o700 });
      await mkdir(posix.join(dir, LAYOUT.versions), { recursive: true, mode: 0o700 });
      await mkdir(posix.join(dir, LAYOUT.secrets), { recursive: true, mode: 0o755 });
      await command('mount', ['--bind', filesDir, filesDir], `bind ${filesDir}`);
      await command('mount', ['--make-shared', filesDir], `make ${filesDir} shared`);
    }
  }

  /** Writes one file; `initial` allows creating it (prepare), otherwise it must exist (update). */
  private async place(dir: string, p: PlannedFile, initial: boolean): Promise<void> {
    const dest = posix.join(dir, p.path);
    const exists = await access(dest).then(
      () => true,
      () => false,
    );
    if (!exists && !initial) throw invalidFile(`${p.file.target} was not prepared`);
    if (p.kind === 'dir') return this.replaceInDir(dir, dest, p.file);
    if (!exists) return this.replaceInDir(dir, dest, p.file);
    return this.swapMount(dir, dest, p.file);
  }

  /**
   * Write-then-rename inside the tmpfs: atomic for readers of a directory bind. The new version is
   * written in `versions/` so a half-written file never appears in a directory a container sees.
   */
  private async replaceInDir(dir: string, dest: string, file: TaskFile): Promise<void> {
    const isSecret = dest.startsWith(posix.join(dir, LAYOUT.secrets) + '/');
    await mkdir(posix.dirname(dest), { recursive: true, mode: isSecret ? 0o755 : 0o700 });
    // files/ is its own mount, so its temporary file must be in files/ (rename cannot cross mounts).
    const tmpDir = isSecret ? posix.join(dir, LAYOUT.versions) : posix.dirname(dest);
    const tmp = posix.join(tmpDir, `.tmp-${versionName(posix.basename(dest))}`);
    await writeNew(tmp, file);
    await rename(tmp, dest);
  }

  /** Mounts a new version over `files/<key>` (see SWAP_SCRIPT) and drops unused versions. */
  private async swapMount(dir: string, dest: string, file: TaskFile): Promise<void> {
    const key = posix.basename(dest);
    const versionsDir = posix.join(dir, LAYOUT.versions);
    const name = versionName(key);
    await writeNew(posix.join(versionsDir, name), file);
    const mounted = (await this.mountPoints()).includes(dest);
    const umountNr = String(UMOUNT2[process.arch] ?? 0);
    const args = ['-e', SWAP_SCRIPT, posix.join(versionsDir, name), dest];
    await command('perl', [...args, mounted ? 'beneath' : 'top', umountNr], `swap ${file.target}`);
    // Detached versions stay readable through fds opened before the swap (tmpfs frees them later).
    for (const old of await readdir(versionsDir)) {
      if (old.startsWith(`${key}.`) && old !== name) await unlink(posix.join(versionsDir, old));
    }
  }
}
