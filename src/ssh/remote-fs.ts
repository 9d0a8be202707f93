// SFTP requests as promises, each with the step timeout, SFTP failures turned into HostAccessErrors that
// name the operation and the path. "No such file" is an answer, not an error, where callers expect it.
import type { SFTPWrapper, Stats } from 'ssh2'
import { withTimeout } from '../util/timeout'
import { HostAccessError, seconds, type SshHost } from './errors'

export type EntryKind = 'file' | 'directory' | 'symlink' | 'other'

export interface RemoteStats {
  kind: EntryKind
  mode: number
  size: number
}

/** SFTP status codes (draft-ietf-secsh-filexfer-02, the version OpenSSH speaks). */
export const SFTP_STATUS = { NO_SUCH_FILE: 2, PERMISSION_DENIED: 3, FAILURE: 4 } as const

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

  /** Entry names (without `.` and `..`), or undefined when the directory does not exist. */
  async readdir(path: string): Promise<string[] | undefined> {
    const entries = await this.#callOrMissing<Array<{ filename: string }>>('list', path, cb => this.#sftp.readdir(path, cb))
    return entries?.map(entry => entry.filename)
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
  if (stats === undefined) {
    return undefined
  }
  const kind = stats.isSymbolicLink() ? 'symlink' : stats.isDirectory() ? 'directory' : stats.isFile() ? 'file' : 'other'
  return { kind, mode: stats.mode & 0o7777, size: stats.size }
}
