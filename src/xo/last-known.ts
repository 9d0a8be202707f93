// What the plugin needs to reach every host it has seen, kept in its data directory and refreshed from
// XO: id, pool, address, name (the SSH host key is pinned by host id in ssh-host-keys.json). When XO
// loses a pool (its master's XAPI is down, so XO shows none of its objects), the tools that repair it over
// SSH still find its hosts here. The file is bounded, replaced atomically, and only written when it changes.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { logger } from '../log'
import { writeAtomically } from '../util/files'
import type { HostTarget, PoolTarget } from './targets'
import type { XoApp } from './types'

export const LAST_KNOWN_FILE_NAME = 'last-known-hosts.json'

/** A host as last seen in XO; `serverId` is XO's server record of its pool (for the pool's credentials). */
export type KnownHost = Pick<
  HostTarget,
  'id' | 'label' | 'address' | 'poolId' | 'poolLabel' | 'isMaster' | 'xapiRef' | 'xapiVersion' | 'productVersion'
> & {
  serverId?: string
  seenAt: string
}

interface FileContent {
  version: 1
  hosts: KnownHost[]
}

/** Far more hosts than an XO manages; the oldest seen go first beyond it. */
const MAX_HOSTS = 10_000
/** A field longer than this is not one XO gave (names are bounded in XAPI too). */
const MAX_FIELD_LENGTH = 1_024
const MAX_FILE_BYTES = MAX_HOSTS * 4 * 1_024

export class LastKnownHosts {
  readonly path: string
  #hosts = new Map<string, KnownHost>()
  #saving: Promise<void> = Promise.resolve()

  private constructor(path: string) {
    this.path = path
  }

  /** Reads the file of `dataDir`; a missing or unreadable file starts empty (it is only a fallback). */
  static async open(dataDir: string): Promise<LastKnownHosts> {
    const known = new LastKnownHosts(join(dataDir, LAST_KNOWN_FILE_NAME))
    known.#hosts = await readKnown(known.path)
    return known
  }

  host(id: string): KnownHost | undefined {
    return this.#hosts.get(id)
  }

  /** The pool's hosts, master first. */
  poolHosts(poolId: string): KnownHost[] {
    return [...this.#hosts.values()].filter(host => host.poolId === poolId).sort((a, b) => Number(b.isMaster) - Number(a.isMaster))
  }

  /** Records the hosts of the pools XO shows now; hosts of pools XO does not show are kept as they were. */
  async remember(pools: readonly PoolTarget[], serverIdOf: (poolId: string) => string | undefined): Promise<void> {
    const seenAt = new Date().toISOString()
    const shown = new Set(pools.map(pool => pool.id))
    const next = new Map([...this.#hosts].filter(([, host]) => !shown.has(host.poolId)))
    for (const pool of pools) {
      const serverId = serverIdOf(pool.id)
      for (const host of pool.hosts) {
        next.set(host.id, knownHostOf(host, serverId, seenAt))
      }
    }
    const bounded = boundedHosts(next)
    if (sameHosts(bounded, this.#hosts)) {
      return
    }
    this.#hosts = bounded
    await this.#save()
  }

  #save(): Promise<void> {
    const content: FileContent = { version: 1, hosts: [...this.#hosts.values()] }
    this.#saving = this.#saving.then(() => writeAtomically(this.path, JSON.stringify(content) + '\n'))
    return this.#saving
  }
}

/** Refreshes `known` from the pools XO shows; failures are logged, never thrown (it is only a fallback). */
export async function refreshLastKnown(known: LastKnownHosts, xo: XoApp, pools: () => PoolTarget[]): Promise<void> {
  try {
    await known.remember(pools(), poolId => {
      try {
        return xo.getXenServerIdByObject?.(poolId, 'pool')
      } catch {
        return undefined
      }
    })
  } catch (error) {
    logger.warn('could not record the last known hosts', { error })
  }
}

function knownHostOf(host: HostTarget, serverId: string | undefined, seenAt: string): KnownHost {
  const { id, label, address, poolId, poolLabel, isMaster, xapiRef, xapiVersion, productVersion } = host
  return { id, label, address, poolId, poolLabel, isMaster, xapiRef, xapiVersion, productVersion, serverId, seenAt }
}

function boundedHosts(hosts: Map<string, KnownHost>): Map<string, KnownHost> {
  const valid = [...hosts.values()].filter(isValidHost)
  const newestFirst = valid.sort((a, b) => b.seenAt.localeCompare(a.seenAt)).slice(0, MAX_HOSTS)
  return new Map(newestFirst.map(host => [host.id, host]))
}

function sameHosts(a: Map<string, KnownHost>, b: Map<string, KnownHost>): boolean {
  const withoutDate = ({ seenAt: _seenAt, ...host }: KnownHost) => JSON.stringify(host)
  return a.size === b.size && [...a].every(([id, host]) => b.has(id) && withoutDate(b.get(id)!) === withoutDate(host))
}

function isValidHost(host: unknown): host is KnownHost {
  const record = host as Record<string, unknown>
  const text = (value: unknown) => typeof value === 'string' && value.length > 0 && value.length <= MAX_FIELD_LENGTH
  return (
    typeof host === 'object' &&
    host !== null &&
    ['id', 'label', 'address', 'poolId', 'poolLabel', 'xapiRef', 'seenAt'].every(field => text(record[field])) &&
    typeof record.isMaster === 'boolean'
  )
}

async function readKnown(path: string): Promise<Map<string, KnownHost>> {
  try {
    const text = await readFile(path, 'utf8')
    if (text.length > MAX_FILE_BYTES) {
      throw new Error(`larger than ${MAX_FILE_BYTES} bytes`)
    }
    const content = JSON.parse(text) as Partial<FileContent>
    return boundedHosts(new Map((Array.isArray(content.hosts) ? content.hosts : []).map(host => [String(host?.id), host])))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      logger.warn(`${path} could not be read: starting without last known hosts`, { error })
    }
    return new Map()
  }
}

