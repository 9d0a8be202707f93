// SFTP requests as promises, each with the step timeout, SFTP failures turned into HostAccessErrors that
// name the operation and the path. "No such file" is an answer, not an error, where callers expect it.
//
// Round trips, not bytes, set the time of a read behind a WAN link, so the listing and the small-file read
// send requests that do not depend on each other's answers together. Requests on one handle may travel
// together because OpenSSH's sftp-server (the SFTP server of XCP-ng's dom0) answers them in order.
import type { SFTPWrapper, Stats } from 'ssh2'
import { withTimeout } from '../util/timeout'
import { HostAccessError, seconds, type SshHost } from './errors'

export type EntryKind = 'file' | 'directory' | 'symlink' | 'other'

export interface RemoteStats {
  kind: EntryKind
  mode: number
  size: number
  /** Last modification, in ms since the epoch (by the host's clock). */
  mtimeMs: number
}

export interface RemoteEntry {
  name: string
  /** As lstat says: a symlink is not followed. */
  kind: EntryKind
}

/** A small file's bytes; or, when it is not a regular file no bigger than the limit asked for, its attributes. */
export type SmallFile = { content: Buffer } | { stats: RemoteStats }

/** SFTP status codes (draft-ietf-secsh-filexfer-02, the version OpenSSH speaks). */
export const SFTP_STATUS = { EOF: 1, NO_SUCH_FILE: 2, PERMISSION_DENIED: 3, FAILURE: 4 } as const

/** What the first read of a file asks for: every XAPI file fits; a bigger one is read again in full. */
const FIRST_READ_BYTES = 64 * 1024

type Callback<T> = (error: (Error & { code?: unknown }) | null | undefined, result?: T) => void

export class RemoteFs {
  readonly #host: SshHost
  readonly #sftp: SFTPWrapper
  readonly #timeoutMs: number
  readonly #onTimeout: () => void
  /** Whether the host answered any request (success or an SFTP status) through this instance. */
  answered = false

  /** `onTimeout` is called when a request gets no answer in time (the connection is then not trusted any more). */
  constructor(host: SshHost, sftp: SFTPWrapper, timeoutMs: number, onTimeout: () => void) {
    this.#host = host
    this.#sftp = sftp
    this.#timeoutMs = timeoutMs
    this.#onTimeout = onTimeout
  }

  lstat(path: string): Promise<RemoteStats | undefined> {
    return this.#callOrMissing<Stats>('lstat', path, cb => this.#sftp.lstat(path, cb)).then(toRemoteStats)
  }

  stat(path: string): Promise<RemoteStats | undefined> {
    return this.#callOrMissing<Stats>('stat', path, cb => this.#sftp.stat(path, cb)).then(toRemoteStats)
  }

  readlink(path: string): Promise<string> {
    return this.#call('readlink', path, cb => this.#sftp.readlink(path, cb))
  }

  readFile(path: string): Promise<Buffer | undefined> {
    return this.#callOrMissing('read', path, cb => this.#sftp.readFile(path, cb))
  }

  /**
   * The directory's entries (without `.` and `..`) with their kinds from the listing's own attributes, or
   * undefined when it does not exist. OpenSSH sends at most 100 entries per answer, so two requests sent at
   * once usually bring every entry and the end of the list; the handle is closed without waiting.
   */
  async readdir(path: string): Promise<RemoteEntry[] | undefined> {
    const handle = await this.#callOrMissing<Buffer>('list', path, cb => this.#sftp.opendir(path, cb))
    if (handle === undefined) {
      return undefined
    }
    try {
      const entries: RemoteEntry[] = []
      let batches: Array<RemoteEntry[] | null> = await Promise.all([this.#readdirBatch(handle, path), this.#readdirBatch(handle, path)])
      for (;;) {
        for (const batch of batches) {
          if (batch === null) {
            return entries
          }
          entries.push(...batch)
        }
        batches = [await this.#readdirBatch(handle, path)]
      }
    } finally {
      this.close(handle, path).catch(() => undefined)
    }
  }

  /**
   * Opens a file, then asks its first bytes and its closing at once: two round trips, no stat. The caller
   * knows it is a regular file (opening a FIFO would block the server). A read shorter than asked for
   * reached the end of the file (OpenSSH's server answers with one read(2)). A file that fills the first
   * read, or that cannot be read (a directory now), is stat'ed, then read in full when it is a regular
   * file within the limit. Undefined when it does not exist.
   */
  async readSmallFile(path: string, maxBytes: number): Promise<SmallFile | undefined> {
    const handle = await this.#callOrMissing<Buffer>('open', path, cb => this.#sftp.open(path, 'r', cb))
    if (handle === undefined) {
      return undefined
    }
    const [first] = await Promise.all([
      this.#readAt(handle, path, FIRST_READ_BYTES).catch((error: unknown) => error),
      this.close(handle, path).catch(() => undefined),
    ])
    if (Buffer.isBuffer(first) && first.length < FIRST_READ_BYTES) {
      return { content: first }
    }
    if (!Buffer.isBuffer(first) && !(first instanceof HostAccessError && typeof first.data?.sftpStatus === 'number')) {
      throw first
    }
    return this.#readWhole(path, maxBytes)
  }

  async #readWhole(path: string, maxBytes: number): Promise<SmallFile | undefined> {
    const stats = await this.stat(path)
    if (stats === undefined) {
      return undefined
    }
    if (stats.kind !== 'file' || stats.size > maxBytes) {
      return { stats }
    }
    const content = await this.readFile(path)
    return content === undefined ? undefined : { content }
  }

  realpath(path: string): Promise<string> {
    return this.#call('realpath', path, cb => this.#sftp.realpath(path, cb))
  }

  /** Creates a new file exclusively (fails if `path` exists) and returns its handle. */
  createExclusive(path: string, mode: number): Promise<Buffer> {
    return this.#call('open', path, cb => this.#sftp.open(path, 'wx', { mode }, cb))
  }

  write(handle: Buffer, data: Buffer, path: string): Promise<void> {
    return this.#call('write', path, cb => this.#sftp.write(handle, data, 0, data.length, 0, cb))
  }

  fchmod(handle: Buffer, mode: number, path: string): Promise<void> {
    return this.#call('chmod', path, cb => this.#sftp.fchmod(handle, mode, cb))
  }

  /** fsync@openssh.com: the data is on the host's disk when this resolves. */
  fsync(handle: Buffer, path: string): Promise<void> {
    return this.#call('fsync', path, cb => this.#sftp.ext_openssh_fsync(handle, cb))
  }

  close(handle: Buffer, path: string): Promise<void> {
    return this.#call('close', path, cb => this.#sftp.close(handle, cb))
  }

  /**
   * Writes the data, sets the mode, fsyncs and closes, all sent at once (one round trip for a small file).
   * The handle is closed when this settles, whatever failed; the first failure is thrown.
   */
  async writeAndClose(handle: Buffer, data: Buffer, mode: number, path: string): Promise<void> {
    const steps = await Promise.allSettled([
      this.write(handle, data, path),
      this.fchmod(handle, mode, path),
      this.fsync(handle, path),
      this.close(handle, path),
    ])
    const failure = steps.find((step): step is PromiseRejectedResult => step.status === 'rejected')
    if (failure !== undefined) {
      throw failure.reason
    }
  }

  /** posix-rename@openssh.com: replaces an existing `to` atomically (plain SFTP rename refuses to). */
  posixRename(from: string, to: string): Promise<void> {
    return this.#call('rename', `${from} to ${to}`, cb => this.#sftp.ext_openssh_rename(from, to, cb))
  }

  /** Resolves false when there was nothing to remove. */
  async unlink(path: string): Promise<boolean> {
    return (await this.#callOrMissing('remove', path, cb => this.#sftp.unlink(path, error => cb(error, true)))) ?? false
  }

  mkdir(path: string, mode: number): Promise<void> {
    return this.#call('mkdir', path, cb => this.#sftp.mkdir(path, { mode }, cb))
  }

  chmod(path: string, mode: number): Promise<void> {
    return this.#call('chmod', path, cb => this.#sftp.chmod(path, mode, cb))
  }

  /** Bytes available to the SSH user on the filesystem holding `path` (statvfs@openssh.com). */
  async availableBytes(path: string): Promise<number> {
    const info = await this.#call<{ f_frsize: number | bigint; f_bavail: number | bigint }>('statvfs', path, cb =>
      this.#sftp.ext_openssh_statvfs(path, cb)
    )
    return Number(info.f_frsize) * Number(info.f_bavail)
  }

  /** One batch of a directory's entries; null at the end of the list. */
  async #readdirBatch(handle: Buffer, path: string): Promise<RemoteEntry[] | null> {
    try {
      const list = await this.#call<Array<{ filename: string; attrs: Stats }>>('list', path, cb => this.#sftp.readdir(handle, cb))
      return list.map(({ filename, attrs }) => ({ name: filename, kind: kindOf(attrs) }))
    } catch (error) {
      if (error instanceof HostAccessError && error.data?.sftpStatus === SFTP_STATUS.EOF) {
        return null
      }
      throw error
    }
  }

  /**
   * The file's first `length` bytes, copied out of the read buffer: the answer is a few hundred bytes
   * where the buffer is 64 KiB, which neither needs zeroing nor should stay referenced by the tree.
   */
  #readAt(handle: Buffer, path: string, length: number): Promise<Buffer> {
    return this.#call<Buffer>('read', path, cb =>
      this.#sftp.read(handle, Buffer.allocUnsafe(length), 0, length, 0, (error, _bytesRead, data) => cb(error, error ? undefined : Buffer.from(data)))
    )
  }

  async #callOrMissing<T>(operation: string, path: string, start: (cb: Callback<T>) => void): Promise<T | undefined> {
    try {
      return await this.#call(operation, path, start)
    } catch (error) {
      if (error instanceof HostAccessError && error.data?.sftpStatus === SFTP_STATUS.NO_SUCH_FILE) {
        return undefined
      }
      throw error
    }
  }

  #call<T>(operation: string, path: string, start: (cb: Callback<T>) => void): Promise<T> {
    const request = new Promise<T>((resolve, reject) => {
      const callback: Callback<T> = (error, result) => {
        this.answered ||= !error || typeof error.code === 'number'
        return error ? reject(this.#failure(operation, path, error)) : resolve(result as T)
      }
      try {
        start(callback)
      } catch (error) {
        // ssh2 throws synchronously when the server lacks an extension (fsync, posix-rename, statvfs)
        reject(this.#failure(operation, path, error as Error))
      }
    })
    return withTimeout(request, this.#timeoutMs, () => {
      this.#onTimeout()
      const message = `SFTP ${operation} of ${path} got no answer within ${seconds(this.#timeoutMs)}`
      return new HostAccessError('TIMEOUT', message, { host: this.#host, data: { operation, path } })
    })
  }

  #failure(operation: string, path: string, error: Error & { code?: unknown }): HostAccessError {
    const sftpStatus = typeof error.code === 'number' ? error.code : undefined
    const reason = sftpStatus === SFTP_STATUS.PERMISSION_DENIED ? 'permission denied for the SSH user' : error.message
    return new HostAccessError('IO', `SFTP ${operation} of ${path} failed: ${reason}`, {
      host: this.#host,
      data: { operation, path, sftpStatus },
      cause: error,
    })
  }
}

function toRemoteStats(stats: Stats | undefined): RemoteStats | undefined {
  return stats === undefined ? undefined : statsOf(stats)
}

function statsOf(stats: Stats): RemoteStats {
  return { kind: kindOf(stats), mode: stats.mode & 0o7777, size: stats.size, mtimeMs: Number(stats.mtime) * 1000 }
}

function kindOf(stats: Stats): EntryKind {
  return stats.isSymbolicLink() ? 'symlink' : stats.isDirectory() ? 'directory' : stats.isFile() ? 'file' : 'other'
}
