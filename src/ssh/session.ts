// What the plugin may do on a host while HostAccess.withHost lends it a connection: read, list, write
// atomically and remove files through SFTP, and run the fixed commands. Nothing else reaches the host.
import { randomBytes } from 'node:crypto'
import { posix } from 'node:path'
import type { ConfTree } from '../conf'
import { commandLine, type FixedCommand } from './commands'
import type { CommandResult, HostConnection } from './connection'
import { HostAccessError, type SshHost } from './errors'
import { readConfTree } from './read-tree'
import { RemoteFs, SFTP_STATUS, type EntryKind, type RemoteStats, type SmallFile } from './remote-fs'

export interface SessionOptions {
  /** Timeout of each SFTP request and the default timeout of a command. */
  stepMs: number
  /** Prefix of every host path: '/' on real hosts, a scratch directory in tests. */
  root: string
}

/** The mode of a written file, and of its directory when it must be created. */
export interface WriteModes {
  mode: number
  directoryMode?: number
}

/** What a session needs of its connection (HostConnection; a test may wrap its SFTP channel). */
export type SessionConnection = Pick<HostConnection, 'sftp' | 'exec' | 'destroy'>

export interface DirEntry {
  name: string
  kind: EntryKind
}

export interface RunOptions {
  /** Overrides the default: the step timeout, plus the waited seconds for `wait-init-complete`. */
  timeoutMs?: number
}

/** Files bigger than this are refused rather than read (XAPI's files are a few hundred bytes). */
export const MAX_READ_BYTES = 1024 * 1024

export class HostSession {
  readonly host: SshHost
  readonly #connection: SessionConnection
  readonly #options: SessionOptions
  #fs: Promise<RemoteFs> | undefined
  #remoteFs: RemoteFs | undefined
  #ranCommand = false
  #ended = false

  constructor(host: SshHost, connection: SessionConnection, options: SessionOptions) {
    this.host = host
    this.#connection = connection
    this.#options = options
  }

  /**
   * Whether anything this session sent may have had an effect on the host: a request the host answered,
   * or a command. When not, and the connection turns out lost, the work can be done again on a new one.
   */
  get reachedHost(): boolean {
    return this.#ranCommand || this.#remoteFs?.answered === true
  }

  /** Called by HostAccess when the borrowing function returns: the session refuses any later call. */
  end(): void {
    this.#ended = true
  }

  /** The SSH user's home directory on the host (a host path). */
  async homeDirectory(): Promise<string> {
    return (await this.#remote()).realpath('.')
  }

  /** The file's kind, mode and size without following a final symlink; undefined when it does not exist. */
  async lstat(path: string): Promise<RemoteStats | undefined> {
    return (await this.#remote()).lstat(this.#local(path))
  }

  /** Like lstat, but follows symlinks; undefined when the path or a symlink's target does not exist. */
  async stat(path: string): Promise<RemoteStats | undefined> {
    return (await this.#remote()).stat(this.#local(path))
  }

  /** A symlink's target exactly as stored on the host. */
  async readlink(path: string): Promise<string> {
    return (await this.#remote()).readlink(this.#local(path))
  }

  /** The file's content as bytes; undefined when it does not exist. Refuses files over MAX_READ_BYTES. */
  async readBytes(path: string): Promise<Buffer | undefined> {
    // stat before opening: opening a FIFO or a device would block the host's SFTP server
    const stats = await this.stat(path)
    if (stats === undefined) {
      return undefined
    }
    this.#checkReadable(path, stats)
    return this.readRegularFile(path)
  }

  /**
   * Like readBytes, for a path the caller has just seen to be a regular file (listed or stat'ed): one
   * request fewer. Undefined when it vanished meanwhile.
   */
  async readRegularFile(path: string): Promise<Buffer | undefined> {
    const file = await (await this.#remote()).readSmallFile(this.#local(path), MAX_READ_BYTES)
    if (file === undefined || 'content' in file) {
      return file?.content
    }
    throw this.#unreadable(path, file.stats)
  }

  /** The file's content as a binary string (one character per byte, latin1); undefined when it does not exist. */
  async readFile(path: string): Promise<string | undefined> {
    return (await this.readBytes(path))?.toString('latin1')
  }

  /** The directory's entries in byte order (XAPI's order), with their kinds (lstat's); undefined when it does not exist. */
  async listDir(path: string): Promise<DirEntry[] | undefined> {
    const entries = await (await this.#remote()).readdir(this.#local(path))
    return entries?.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)))
  }

  /** The directory's entry names in byte order (XAPI's order); undefined when it does not exist. */
  async listNames(path: string): Promise<string[] | undefined> {
    return (await this.listDir(path))?.map(entry => entry.name)
  }

  /** /etc/xapi.conf and every entry of the drop-in directory it designates, as the conf linter takes them. */
  readTree(): Promise<ConfTree> {
    return readConfTree(this)
  }

  /** Creates the directory with `mode` if it does not exist; resolves true when it was created. */
  async ensureDirectory(path: string, { mode }: { mode: number }): Promise<boolean> {
    const fs = await this.#remote()
    const local = this.#local(path)
    const existing = await fs.lstat(local)
    if (existing?.kind === 'directory') {
      return false
    }
    await fs.mkdir(local, mode)
    await fs.chmod(local, mode) // mkdir's mode goes through the server's umask
    return true
  }

  /**
   * Replaces `path` with `content` (a Buffer, or a binary string as readFile returns) so that readers see
   * the old file or the new one, never a mix: the data goes to a temp file beside the file's directory
   * (never inside it: XAPI reads every entry of /etc/xapi.conf.d), is fsynced, then renamed over `path`
   * with posix-rename. On failure the temp file is removed. With `directoryMode`, a missing directory of
   * `path` is created first. Three round trips: lstat and open, write+chmod+fsync+close, rename.
   */
  async writeFileAtomic(path: string, content: string | Buffer, modes: WriteModes): Promise<void> {
    const fs = await this.#remote()
    const notDirectory = fs.lstat(this.#local(path)).then(existing => {
      if (existing?.kind === 'directory') {
        throw new HostAccessError('IO', `${path} is a directory: refusing to replace it with a file`, { host: this.host, data: { path } })
      }
      return true
    })
    await this.#replaceThroughTemp(fs, path, content, modes, notDirectory)
  }

  /**
   * Makes `path` hold `content` (removes it when `content` is null) provided it still holds `expected`
   * (null: absent), checked right before the rename or the removal: resolves false, with nothing changed
   * and no temp file left, when it does not. The check's read and the temp file's write travel together:
   * three round trips for a write (open the file and create the temp file; read and close the file while
   * the temp file is written, chmodded, fsynced and closed; rename), three for a removal (open; read and
   * close; unlink), more only when the directory must be created.
   *
   * The file is opened without a stat first (one round trip fewer): the caller saw it, moments ago, as a
   * regular file or absent. A directory or any other non-regular entry found now counts as a change. Had
   * it become a FIFO since, the open would block the host's SFTP server: the step timeout then ends the
   * write with nothing written.
   */
  async replaceIfUnchanged(path: string, expected: string | null, content: string | Buffer | null, modes: WriteModes): Promise<boolean> {
    const fs = await this.#remote()
    const target = this.#local(path)
    const unchanged = fs.readSmallFile(target, MAX_READ_BYTES).then(current => holds(current, expected))
    if (content !== null) {
      // a file expected to exist has its directory: only a file expected absent may need it created
      return this.#replaceThroughTemp(fs, path, content, expected === null ? modes : { mode: modes.mode }, unchanged)
    }
    if (!(await unchanged)) {
      return false
    }
    await fs.unlink(target)
    return true
  }

  /**
   * Writes `content` to a new temp file (fsynced) while `proceed` is decided, then renames it over `path`
   * when `proceed` resolves true; resolves false (the temp file removed) when it resolves false.
   */
  async #replaceThroughTemp(fs: RemoteFs, path: string, content: string | Buffer, { mode, directoryMode }: WriteModes, proceed: Promise<boolean>): Promise<boolean> {
    const target = this.#local(path)
    const temp = this.#local(tempPathFor(path))
    const data = Buffer.isBuffer(content) ? content : binaryStringBytes(content)
    const directory = directoryMode === undefined ? undefined : this.ensureDirectory(posix.dirname(path), { mode: directoryMode })
    const settled = Promise.allSettled([proceed, directory]) // neither is left unhandled when the temp file fails first
    let handle: Buffer | undefined
    try {
      handle = await fs.createExclusive(temp, mode)
      const written = fs.writeAndClose(handle, data, mode, temp) // fchmod: the requested mode, whatever the server's umask
      handle = undefined // closed by writeAndClose whatever happens: OpenSSH reuses handles, a second close could hit another file
      const [go] = await Promise.all([proceed, written, directory, settled])
      if (!go) {
        await fs.unlink(temp)
        return false
      }
      await fs.posixRename(temp, target)
      return true
    } catch (error) {
      await discardTemp(fs, temp, handle)
      throw await explainWriteFailure(error, fs, temp, data.length, path)
    }
  }

  /**
   * Removes the temp files that writes into `directory` left beside it (a write killed with its process or
   * its connection) and that are older than `olderThanMs`: only names of tempPathFor's exact pattern,
   * only regular files. Returns the host paths removed.
   */
  async removeStaleTemps(directory: string, olderThanMs: number, now = Date.now()): Promise<string[]> {
    const parent = posix.dirname(directory)
    const pattern = tempNamePattern(directory)
    const names = ((await this.listNames(parent)) ?? []).filter(name => pattern.test(name))
    const removed: string[] = []
    for (const name of names) {
      const path = posix.join(parent, name)
      const stats = await this.lstat(path)
      if (stats?.kind === 'file' && now - stats.mtimeMs > olderThanMs && (await this.removeFile(path))) {
        removed.push(path)
      }
    }
    return removed
  }

  /** Removes a file (or symlink); resolves false when there was nothing to remove. */
  async removeFile(path: string): Promise<boolean> {
    return (await this.#remote()).unlink(this.#local(path))
  }

  /** Runs one of the fixed commands; anything else is refused before the host is contacted. */
  run(command: FixedCommand, { timeoutMs }: RunOptions = {}): Promise<CommandResult> {
    this.#checkOpen()
    const line = commandLine(command)
    this.#ranCommand = true
    const waitMs = command.kind === 'wait-init-complete' ? command.seconds * 1000 : 0
    return this.#connection.exec(line, timeoutMs ?? waitMs + this.#options.stepMs)
  }

  #remote(): Promise<RemoteFs> {
    this.#checkOpen()
    const { stepMs } = this.#options
    this.#fs ??= this.#connection
      .sftp(stepMs)
      .then(sftp => (this.#remoteFs = new RemoteFs(this.host, sftp, stepMs, () => this.#connection.destroy())))
    return this.#fs
  }

  #checkReadable(path: string, stats: RemoteStats): void {
    if (stats.kind !== 'file' || stats.size > MAX_READ_BYTES) {
      throw this.#unreadable(path, stats)
    }
  }

  /** Why a file that is not a regular file within MAX_READ_BYTES is not read. */
  #unreadable(path: string, stats: RemoteStats): HostAccessError {
    if (stats.kind !== 'file') {
      return new HostAccessError('IO', `${path} is a ${stats.kind}, not a file`, { host: this.host, data: { path } })
    }
    return new HostAccessError('IO', `${path} is ${stats.size} bytes long: refusing to read more than ${MAX_READ_BYTES}`, {
      host: this.host,
      data: { path, size: stats.size },
    })
  }

  #checkOpen(): void {
    if (this.#ended) {
      throw new Error('this host session has ended: use it only inside the withHost callback')
    }
  }

  #local(path: string): string {
    if (!path.startsWith('/') || posix.normalize(path) !== path || (path.endsWith('/') && path !== '/')) {
      throw new TypeError(`host paths must be absolute and normalized, got ${JSON.stringify(path)}`)
    }
    return this.#options.root === '/' ? path : posix.join(this.#options.root, path)
  }
}

/** `/etc/xapi.conf.d/zz.conf` → `/etc/.xapi.conf.d.xo-tmp-<random>`: beside the directory, on its filesystem. */
export function tempPathFor(path: string): string {
  const directory = posix.dirname(path)
  return posix.join(posix.dirname(directory), `.${posix.basename(directory)}.xo-tmp-${randomBytes(TEMP_RANDOM_BYTES).toString('hex')}`)
}

const TEMP_RANDOM_BYTES = 6

/** The names tempPathFor gives beside `directory`, and nothing else. */
function tempNamePattern(directory: string): RegExp {
  const escaped = posix.basename(directory).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return new RegExp(`^\\.${escaped}\\.xo-tmp-[0-9a-f]{${TEMP_RANDOM_BYTES * 2}}$`)
}

/** Whether a file read without a stat holds `expected` (null: absent). */
function holds(file: SmallFile | undefined, expected: string | null): boolean {
  if (file === undefined) {
    return expected === null
  }
  return expected !== null && 'content' in file && file.content.toString('latin1') === expected
}

function binaryStringBytes(content: string): Buffer {
  if (/[^\x00-\xff]/.test(content)) {
    throw new TypeError('file content must be a binary string (one character per byte) or a Buffer')
  }
  return Buffer.from(content, 'latin1')
}

async function discardTemp(fs: RemoteFs, temp: string, handle: Buffer | undefined): Promise<void> {
  const ignore = () => undefined
  if (handle !== undefined) {
    await fs.close(handle, temp).catch(ignore)
  }
  await fs.unlink(temp).catch(ignore)
}

// Turns the SFTP failure of a write into what an admin can act on. OpenSSH's sftp-server reports
// ENOSPC as a bare "Failure", so the filesystem is asked whether it is full.
async function explainWriteFailure(
  error: unknown,
  fs: RemoteFs,
  localTemp: string,
  size: number,
  path: string
): Promise<unknown> {
  if (!(error instanceof HostAccessError)) {
    return error
  }
  const { host } = error
  const status = error.data?.sftpStatus
  if (status === SFTP_STATUS.PERMISSION_DENIED) {
    return new HostAccessError(
      'IO',
      `cannot write ${path}: permission denied. The SSH user needs write access to ${posix.dirname(path)} and to ` +
        `${posix.dirname(posix.dirname(path))} (where the temporary file goes): connect as root`,
      { host, data: { path, sftpStatus: status }, cause: error }
    )
  }
  if (status !== SFTP_STATUS.FAILURE) {
    return error
  }
  const available = await fs.availableBytes(posix.dirname(localTemp)).catch(() => undefined)
  if (available === undefined || available >= size + 4096) {
    return error
  }
  return new HostAccessError(
    'NO_SPACE',
    `no space left to write ${path} (${size} bytes; ${available} bytes free on the filesystem of ${posix.dirname(path)}): ` +
      'free some space on the host, then try again',
    { host, data: { path, size, available }, cause: error }
  )
}
