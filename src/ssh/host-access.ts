// The plugin's only way to touch a host. One instance per plugin instance: it keeps at most one SSH
// connection per host, shared by every caller working on that host, and bounds the number of hosts
// worked on at once across the fleet. The two bounds are separate: `concurrency` limits the work in
// flight, `idleConnections` how many finished hosts keep their connection warm (until `idleMs`) for the
// next call, the next phase of a call (plan, write, verify) or another service.
import { HostConnection, type Credentials } from './connection'
import type { DoorOpening, HostDoor } from './door'
import { HostAccessError, isHostAccessError, type SshHost } from './errors'
import type { HostKeyStore } from './host-key-store'
import { HostSlots } from './host-slots'
import { currentOperation, inOperation, type ClosingReport } from './operation'
import { HostSession } from './session'

export interface HostAccessTimeouts {
  /** TCP connect, SSH handshake, host key check and authentication, together. */
  connectMs: number
  /** Each SFTP request, and each command (a wait adds the waited seconds). */
  commandMs: number
  /** How long an unused connection stays open for the next call. */
  idleMs: number
}

export interface HostAccessOptions {
  credentials: Credentials
  hostKeys: HostKeyStore
  /** Hosts worked on at once, fleet-wide. */
  concurrency?: number
  /** Unused connections kept open, fleet-wide; the least recently used is closed beyond it. */
  idleConnections?: number
  timeouts?: Partial<HostAccessTimeouts>
  /** SSH port of every host. */
  port?: number
  /** Prefix of every host path, for tests against a scratch directory; '/' on real hosts. */
  root?: string
  /** Runs once on each new connection, before the caller's work (housekeeping); its failure is only reported to `onGreetError`. */
  greet?: (session: HostSession) => Promise<unknown>
  onGreetError?: (host: SshHost, error: unknown) => void
  /** Asked before connecting to a host whose SSH may be closed (./door.ts); none: SSH is taken as open. */
  door?: HostDoor
}

export const DEFAULT_CONCURRENCY = 16
export const DEFAULT_IDLE_CONNECTIONS = 1000
export const DEFAULT_TIMEOUTS: Readonly<HostAccessTimeouts> = { connectMs: 10_000, commandMs: 60_000, idleMs: 300_000 }

interface PooledConnection {
  address: string
  connection: Promise<HostConnection>
  /** Set once the connection is up. */
  open?: HostConnection
  /** The `greet` housekeeping ran (or runs) on this connection. */
  greeted?: boolean
  users: number
  idleTimer?: NodeJS.Timeout
}

/** What the door did for a host, held by the operations that use the host. */
interface HostOpening {
  ready: Promise<DoorOpening | undefined>
  holders: number
}

export class HostAccess {
  readonly #credentials: Credentials
  readonly #hostKeys: HostKeyStore
  readonly #timeouts: HostAccessTimeouts
  readonly #port: number
  readonly #root: string
  readonly #slots: HostSlots
  readonly #maxIdle: number
  readonly #greet: HostAccessOptions['greet']
  readonly #onGreetError: HostAccessOptions['onGreetError']
  readonly #pool = new Map<string, PooledConnection>()
  /** The pool's unused connections, least recently used first. */
  readonly #idle = new Map<string, PooledConnection>()
  readonly #door: HostDoor | undefined
  readonly #openings = new Map<string, HostOpening>()
  /** Hosts being closed again (connection first, then SSH): a new caller waits for it. */
  readonly #closings = new Map<string, Promise<unknown>>()
  #closed = false

  constructor(options: HostAccessOptions) {
    this.#credentials = options.credentials
    this.#hostKeys = options.hostKeys
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts }
    this.#port = options.port ?? 22
    this.#root = options.root ?? '/'
    this.#slots = new HostSlots(options.concurrency ?? DEFAULT_CONCURRENCY)
    this.#maxIdle = options.idleConnections ?? DEFAULT_IDLE_CONNECTIONS
    this.#greet = options.greet
    this.#onGreetError = options.onGreetError
    this.#door = options.door
  }

  /** Connections currently open or opening (in use or idle). */
  get openConnections(): number {
    return this.#pool.size
  }

  /** Connections open and unused, kept for the next call. */
  get idleConnections(): number {
    return this.#idle.size
  }

  /**
   * Runs `fn` with a session on `host` once the fleet-wide bound allows, reusing the host's connection
   * when there is one. The session is valid only until `fn` settles. A `signal` that aborts while the call
   * still waits for its turn withdraws it (it rejects with the signal's reason, the host untouched).
   */
  async withHost<T>(host: SshHost, fn: (session: HostSession) => Promise<T>, { signal }: { signal?: AbortSignal } = {}): Promise<T> {
    if (currentOperation() === undefined) {
      return inOperation(() => this.withHost(host, fn, { signal }))
    }
    this.#checkUsable(host)
    const release = await this.#slots.acquire(host.id, signal)
    try {
      this.#checkUsable(host) // close() may have run while this call waited for a slot
      await this.#enter(host)
      return await this.#borrowThroughDoor(host, fn)
    } finally {
      release()
    }
  }

  /**
   * Before the work: the door is asked, once per operation, even when a connection is kept (XAPI's SSH
   * may have been disabled since it was opened, and sshd keeps the sessions it had). It opens SSH through
   * XAPI when it must and may; a host it refuses keeps no connection.
   */
  async #enter(host: SshHost): Promise<void> {
    await this.#closings.get(host.id)
    const opening = this.#openings.get(host.id)
    if (opening !== undefined) {
      this.#hold(host, opening)
      await opening.ready
      return
    }
    if (this.#door === undefined) {
      return
    }
    try {
      await this.#open(host, false)
    } catch (error) {
      const kept = this.#pool.get(host.id)
      if (kept !== undefined) {
        this.#retire(host.id, kept)
      }
      throw error
    }
  }

  /** A refused connection may mean that SSH was closed since XO last saw it: the door is asked once more. */
  async #borrowThroughDoor<T>(host: SshHost, fn: (session: HostSession) => Promise<T>): Promise<T> {
    try {
      return await this.#borrow(host, fn)
    } catch (error) {
      if (this.#door === undefined || !isHostAccessError(error, 'UNREACHABLE') || (await this.#openings.get(host.id)?.ready) !== undefined) {
        throw error
      }
      if ((await this.#open(host, true)) === undefined) {
        throw error
      }
      return this.#borrow(host, fn)
    }
  }

  async #open(host: SshHost, refused: boolean): Promise<DoorOpening | undefined> {
    const opening: HostOpening = { ready: this.#door!.open(host, { refused }), holders: 0 }
    this.#openings.set(host.id, opening)
    this.#hold(host, opening)
    try {
      return await opening.ready
    } catch (error) {
      if (this.#openings.get(host.id) === opening) {
        this.#openings.delete(host.id)
      }
      throw error
    }
  }

  #hold(host: SshHost, opening: HostOpening): void {
    if (currentOperation()!.hold(opening, () => this.#leave(host, opening))) {
      opening.holders++
    }
  }

  /** The last operation holding what the door opened closes the connection, then lets the door put SSH back. */
  async #leave(host: SshHost, opening: HostOpening): Promise<ClosingReport | undefined> {
    if (--opening.holders > 0) {
      return undefined
    }
    if (this.#openings.get(host.id) === opening) {
      this.#openings.delete(host.id)
    }
    const opened = await opening.ready.catch(() => undefined)
    if (opened === undefined) {
      return undefined
    }
    const closing = this.#closeAndRestore(host, opened)
    this.#closings.set(host.id, closing)
    try {
      return await closing
    } finally {
      if (this.#closings.get(host.id) === closing) {
        this.#closings.delete(host.id)
      }
    }
  }

  async #closeAndRestore(host: SshHost, opened: DoorOpening): Promise<ClosingReport> {
    const entry = this.#pool.get(host.id)
    if (entry !== undefined) {
      this.#drop(host.id, entry)
      await closeEntry(entry) // even in use: no connection outlives the SSH opened for it
    }
    return { host: { id: host.id, label: host.label }, ...(await opened.close()) }
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
    this.#idle.clear()
    await Promise.all(entries.map(closeEntry))
  }

  // A reused connection may have died while idle (the host restarted, sshd was restarted, a firewall
  // forgot it): found on first use, the work is done once more on a new connection, provided nothing
  // reached the host. A new connection's failure is final.
  async #borrow<T>(host: SshHost, fn: (session: HostSession) => Promise<T>): Promise<T> {
    const entry = this.#checkout(host)
    const reused = entry.open !== undefined
    let session: HostSession | undefined
    try {
      return await this.#use(host, entry, fn, used => (session = used))
    } catch (error) {
      if (!reused || session?.reachedHost !== false || entry.open?.closed !== true || isHostAccessError(error, 'TIMEOUT')) {
        throw error
      }
      return this.#use(host, this.#checkout(host), fn, () => undefined)
    }
  }

  async #use<T>(
    host: SshHost,
    entry: PooledConnection,
    fn: (session: HostSession) => Promise<T>,
    onSession: (session: HostSession) => void
  ): Promise<T> {
    try {
      const session = new HostSession(host, await entry.connection, { stepMs: this.#timeouts.commandMs, root: this.#root })
      onSession(session)
      try {
        await this.#greetOnce(host, entry, session)
        return await fn(session)
      } finally {
        session.end()
      }
    } finally {
      this.#checkin(host.id, entry)
    }
  }

  async #greetOnce(host: SshHost, entry: PooledConnection, session: HostSession): Promise<void> {
    if (this.#greet === undefined || entry.greeted === true) {
      return
    }
    entry.greeted = true
    try {
      await this.#greet(session)
    } catch (error) {
      this.#onGreetError?.(host, error)
    }
  }

  #checkout(host: SshHost): PooledConnection {
    const existing = this.#pool.get(host.id)
    if (existing !== undefined && reusable(existing, host)) {
      existing.users++
      this.#leaveIdle(host.id, existing)
      return existing
    }
    if (existing !== undefined) {
      this.#retire(host.id, existing) // the host's address changed, or its connection was lost
    }
    const entry: PooledConnection = {
      address: host.address,
      users: 1,
      connection: HostConnection.open(host, {
        credentials: this.#credentials,
        hostKeys: this.#hostKeys,
        port: this.#port,
        connectMs: this.#timeouts.connectMs,
      }),
    }
    this.#pool.set(host.id, entry)
    entry.connection.then(
      connection => {
        entry.open = connection
        connection.onClose(() => this.#drop(host.id, entry))
      },
      () => this.#drop(host.id, entry)
    )
    return entry
  }

  #checkin(hostId: string, entry: PooledConnection): void {
    entry.users--
    if (entry.users > 0) {
      return
    }
    if (this.#pool.get(hostId) !== entry) {
      void closeEntry(entry) // retired or dropped while in use
      return
    }
    this.#idle.set(hostId, entry)
    entry.idleTimer = setTimeout(() => this.#retire(hostId, entry), this.#timeouts.idleMs)
    entry.idleTimer.unref()
    this.#closeIdleBeyondLimit()
  }

  /** Takes the connection out of the pool; it closes now if unused, else when its last user is done. */
  #retire(hostId: string, entry: PooledConnection): void {
    this.#drop(hostId, entry)
    if (entry.users === 0) {
      void closeEntry(entry)
    }
  }

  #drop(hostId: string, entry: PooledConnection): void {
    this.#leaveIdle(hostId, entry)
    if (this.#pool.get(hostId) === entry) {
      this.#pool.delete(hostId)
    }
  }

  #leaveIdle(hostId: string, entry: PooledConnection): void {
    clearTimeout(entry.idleTimer)
    if (this.#idle.get(hostId) === entry) {
      this.#idle.delete(hostId)
    }
  }

  #closeIdleBeyondLimit(): void {
    for (const [hostId, entry] of this.#idle) {
      if (this.#idle.size <= this.#maxIdle) {
        return
      }
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

/** The host's pooled connection can serve it: same address, not closed (or still opening). */
function reusable(entry: PooledConnection, host: SshHost): boolean {
  return entry.address === host.address && entry.open?.closed !== true
}

async function closeEntry(entry: PooledConnection): Promise<void> {
  clearTimeout(entry.idleTimer)
  const connection = await entry.connection.catch(() => undefined)
  await connection?.close()
}

