// The plugin's only way to touch a host. One instance per plugin instance: it keeps at most one SSH
// connection per host, shared by every caller working on that host and closed once idle, and bounds
// the number of hosts worked on at once across the fleet.
import { HostConnection, type Credentials } from './connection'
import { HostAccessError, type SshHost } from './errors'
import type { HostKeyStore } from './host-key-store'
import { HostSlots } from './host-slots'
import { HostSession } from './session'

export interface HostAccessTimeouts {
  /** TCP connect, SSH handshake, host key check and authentication, together. */
  connectMs: number
  /** Each SFTP request, and each command (a wait adds the waited seconds). */
  commandMs: number
  /** How long an unused connection stays open for the next step. */
  idleMs: number
}

export interface HostAccessOptions {
  credentials: Credentials
  hostKeys: HostKeyStore
  /** Hosts worked on at once, fleet-wide. */
  concurrency?: number
  timeouts?: Partial<HostAccessTimeouts>
  /** SSH port of every host. */
  port?: number
  /** Prefix of every host path, for tests against a scratch directory; '/' on real hosts. */
  root?: string
}

export const DEFAULT_CONCURRENCY = 16
export const DEFAULT_TIMEOUTS: Readonly<HostAccessTimeouts> = { connectMs: 10_000, commandMs: 60_000, idleMs: 30_000 }

interface PooledConnection {
  address: string
  connection: Promise<HostConnection>
  users: number
  idleTimer?: NodeJS.Timeout
  lastUsed: number
}

export class HostAccess {
  readonly #credentials: Credentials
  readonly #hostKeys: HostKeyStore
  readonly #timeouts: HostAccessTimeouts
  readonly #port: number
  readonly #root: string
  readonly #slots: HostSlots
  readonly #pool = new Map<string, PooledConnection>()
  #closed = false

  constructor(options: HostAccessOptions) {
    this.#credentials = options.credentials
    this.#hostKeys = options.hostKeys
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts }
    this.#port = options.port ?? 22
    this.#root = options.root ?? '/'
    this.#slots = new HostSlots(options.concurrency ?? DEFAULT_CONCURRENCY)
  }

  /** Connections currently open or opening (in use or idle). */
  get openConnections(): number {
    return this.#pool.size
  }

  /**
   * Runs `fn` with a session on `host` once the fleet-wide bound allows, reusing the host's connection
   * when there is one. The session is valid only until `fn` settles.
   */
  async withHost<T>(host: SshHost, fn: (session: HostSession) => Promise<T>): Promise<T> {
    this.#checkUsable(host)
    const release = await this.#slots.acquire(host.id)
    try {
      this.#checkUsable(host) // close() may have run while this call waited for a slot
      return await this.#borrow(host, fn)
    } finally {
      release()
    }
  }

  /** Forgets the key pinned for a host (after an admin checked its new key); the next connection pins again. */
  async forgetHostKey(hostId: string): Promise<boolean> {
    const entry = this.#pool.get(hostId)
    if (entry !== undefined) {
      this.#retire(hostId, entry)
    }
    return this.#hostKeys.forget(hostId)
  }

  /** Closes every connection, in use or not (the plugin's unload); later calls are refused. */
  async close(): Promise<void> {
    this.#closed = true
    const entries = [...this.#pool.values()]
    this.#pool.clear()
    await Promise.all(entries.map(closeEntry))
  }

  async #borrow<T>(host: SshHost, fn: (session: HostSession) => Promise<T>): Promise<T> {
    const entry = this.#checkout(host)
    try {
      const session = new HostSession(host, await entry.connection, { stepMs: this.#timeouts.commandMs, root: this.#root })
      try {
        return await fn(session)
      } finally {
        session.end()
      }
    } finally {
      this.#checkin(host.id, entry)
    }
  }

  #checkout(host: SshHost): PooledConnection {
    const existing = this.#pool.get(host.id)
    if (existing?.address === host.address) {
      existing.users++
      clearTimeout(existing.idleTimer)
      return existing
    }
    if (existing !== undefined) {
      this.#retire(host.id, existing) // the host's address changed
    }
    this.#closeIdleBeyondLimit()
    const entry: PooledConnection = {
      address: host.address,
      users: 1,
      lastUsed: Date.now(),
      connection: HostConnection.open(host, {
        credentials: this.#credentials,
        hostKeys: this.#hostKeys,
        port: this.#port,
        connectMs: this.#timeouts.connectMs,
      }),
    }
    this.#pool.set(host.id, entry)
    entry.connection.then(
      connection => connection.onClose(() => this.#drop(host.id, entry)),
      () => this.#drop(host.id, entry)
    )
    return entry
  }

  #checkin(hostId: string, entry: PooledConnection): void {
    entry.users--
    entry.lastUsed = Date.now()
    if (entry.users > 0) {
      return
    }
    if (this.#pool.get(hostId) !== entry) {
      void closeEntry(entry) // retired or dropped while in use
      return
    }
    entry.idleTimer = setTimeout(() => this.#retire(hostId, entry), this.#timeouts.idleMs)
    entry.idleTimer.unref()
  }

  /** Takes the connection out of the pool; it closes now if unused, else when its last user is done. */
  #retire(hostId: string, entry: PooledConnection): void {
    this.#drop(hostId, entry)
    if (entry.users === 0) {
      void closeEntry(entry)
    }
  }

  #drop(hostId: string, entry: PooledConnection): void {
    clearTimeout(entry.idleTimer)
    if (this.#pool.get(hostId) === entry) {
      this.#pool.delete(hostId)
    }
  }

  // Hosts in use never exceed the concurrency limit, so idle connections are what keeps the total above it.
  #closeIdleBeyondLimit(): void {
    const idle = [...this.#pool].filter(([, entry]) => entry.users === 0).sort(([, a], [, b]) => a.lastUsed - b.lastUsed)
    for (const [hostId, entry] of idle.slice(0, Math.max(0, this.#pool.size + 1 - this.#slots.limit))) {
      this.#retire(hostId, entry)
    }
  }

  #checkUsable(host: SshHost): void {
    if (this.#closed) {
      throw new HostAccessError('IO', 'host access is closed (the plugin is unloading)', { host })
    }
    const { username, password, privateKey } = this.#credentials
    if (username === '' || (!password && !privateKey)) {
      throw new HostAccessError(
        'NOT_CONFIGURED',
        'SSH access is not configured: set an SSH user and password in the plugin settings, ' +
          "or use the plugin's generated key and install it on the pool's hosts",
        { host }
      )
    }
  }
}

async function closeEntry(entry: PooledConnection): Promise<void> {
  clearTimeout(entry.idleTimer)
  const connection = await entry.connection.catch(() => undefined)
  await connection?.close()
}
