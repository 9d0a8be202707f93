// Which SSH host keys the plugin trusts. Fingerprints the admin listed in the settings always decide for
// their host; otherwise, under `pin-on-first-use`, the first key a host presents is pinned (by XO host id,
// in a JSON file of the plugin's data directory) and any other key is refused afterwards.
import { join } from 'node:path'
import { HostAccessError, type SshHost } from './errors'
import { fingerprintOf, isFingerprint, keyTypeOf } from './fingerprint'
import { PinsFile, type PinnedHostKey } from './pins-file'

export type { PinnedHostKey } from './pins-file'

export type HostKeyPolicy = 'pin-on-first-use' | 'listed-only'

export const PINS_FILE_NAME = 'ssh-host-keys.json'

export interface HostKeyStoreOptions {
  /** Directory holding the pinned keys file (the plugin's data directory). */
  directory: string
  policy: HostKeyPolicy
  /** Trusted fingerprints, one `<host address or XO host id> SHA256:<base64>` per entry, as in the settings. */
  listed?: readonly string[]
}

export class HostKeyStore {
  readonly policy: HostKeyPolicy
  readonly file: string
  readonly #listed: Map<string, string[]>
  readonly #pinsFile: PinsFile

  constructor({ directory, policy, listed = [] }: HostKeyStoreOptions) {
    this.policy = policy
    this.file = join(directory, PINS_FILE_NAME)
    this.#listed = parseListed(listed)
    this.#pinsFile = PinsFile.at(this.file)
  }

  /** Resolves when `host` may be trusted with the key it presented; rejects with a HostAccessError otherwise. */
  async verify(host: SshHost, keyBlob: Buffer): Promise<void> {
    const presented = fingerprintOf(keyBlob)
    const listed = [...(this.#listed.get(host.id) ?? []), ...(this.#listed.get(host.address) ?? [])]
    if (listed.length > 0) {
      if (!listed.includes(presented)) {
        throw notListed(host, keyBlob, listed)
      }
      return
    }
    if (this.policy === 'listed-only') {
      throw notListed(host, keyBlob, [])
    }
    const pins = await this.#pinsFile.load()
    const pinned = pins.get(host.id)
    if (pinned === undefined) {
      await this.#pin(pins, host, keyBlob)
    } else if (pinned.fingerprint !== presented) {
      throw keyChanged(host, keyBlob, pinned)
    } else {
      await this.#onDisk(pins, host, keyBlob)
    }
  }

  async pinned(hostId: string): Promise<PinnedHostKey | undefined> {
    return (await this.#pinsFile.load()).get(hostId)
  }

  /** Drops the pinned key of a host, so that the next connection pins the key it presents then. */
  async forget(hostId: string): Promise<boolean> {
    const pins = await this.#pinsFile.load()
    const existed = pins.delete(hostId)
    if (existed) {
      await this.#pinsFile.save(pins)
    }
    return existed
  }

  // A concurrent connection to this host may have pinned the key without its write being on disk yet:
  // trust it only once it is there (its write failing removes the pin: then pin again).
  async #onDisk(pins: Map<string, PinnedHostKey>, host: SshHost, keyBlob: Buffer): Promise<void> {
    await this.#pinsFile.settled()
    if (!pins.has(host.id)) {
      await this.verify(host, keyBlob)
    }
  }

  async #pin(pins: Map<string, PinnedHostKey>, host: SshHost, keyBlob: Buffer): Promise<void> {
    pins.set(host.id, {
      fingerprint: fingerprintOf(keyBlob),
      keyType: keyTypeOf(keyBlob),
      address: host.address,
      pinnedAt: new Date().toISOString(),
    })
    try {
      await this.#pinsFile.save(pins)
    } catch (error) {
      // A pin that is not on disk would be silently forgotten at the next start: refuse rather than trust.
      pins.delete(host.id)
      throw new HostAccessError('IO', `could not store the host key in ${this.file}: ${(error as Error).message}`, {
        host,
        cause: error,
      })
    }
  }
}

function parseListed(entries: readonly string[]): Map<string, string[]> {
  const listed = new Map<string, string[]>()
  for (const entry of entries) {
    const [hostKey, fingerprint, extra] = entry.trim().split(/\s+/)
    if (fingerprint === undefined || extra !== undefined || !isFingerprint(fingerprint)) {
      throw new HostAccessError(
        'NOT_CONFIGURED',
        `invalid trusted host key entry ${JSON.stringify(entry)}: ` +
          'expected "<host address or UUID> SHA256:<43 base64 characters>"'
      )
    }
    listed.set(hostKey, [...(listed.get(hostKey) ?? []), fingerprint])
  }
  return listed
}

function keyFileHint(keyBlob: Buffer): string {
  const type = keyTypeOf(keyBlob)
  const name = type === 'ssh-ed25519' ? 'ed25519' : type.startsWith('ecdsa-') ? 'ecdsa' : 'rsa'
  return `ssh-keygen -lf /etc/ssh/ssh_host_${name}_key.pub`
}

function keyChanged(host: SshHost, keyBlob: Buffer, pinned: PinnedHostKey): HostAccessError {
  const presented = fingerprintOf(keyBlob)
  return new HostAccessError(
    'HOST_KEY_CHANGED',
    `the SSH host key changed: expected ${pinned.fingerprint} (${pinned.keyType}, pinned ${pinned.pinnedAt}), ` +
      `presented ${presented} (${keyTypeOf(keyBlob)}). Nothing was read from this host. ` +
      'If the host was reinstalled or its keys regenerated, ' +
      `compare with \`${keyFileHint(keyBlob)}\` on the host's console, ` +
      `then accept the new key with the plugin's forgetHostKey method for host ${host.id}; ` +
      'otherwise something else may be answering at this address.',
    { host, data: { expectedFingerprint: pinned.fingerprint, presentedFingerprint: presented, hostId: host.id } }
  )
}

function notListed(host: SshHost, keyBlob: Buffer, listed: string[]): HostAccessError {
  const presented = fingerprintOf(keyBlob)
  const situation =
    listed.length === 0
      ? 'no trusted fingerprint is listed for this host and the host key policy accepts only listed ones'
      : `the SSH host key is not one of the fingerprints trusted for this host (${listed.join(', ')})`
  return new HostAccessError(
    'HOST_KEY_NOT_LISTED',
    `${situation}; the host presented ${presented} (${keyTypeOf(keyBlob)}). Nothing was read from this host. ` +
      `Check the fingerprint with \`${keyFileHint(keyBlob)}\` on the host's console, then add ` +
      `"${host.address} <fingerprint>" to the trusted fingerprints in the plugin settings.`,
    { host, data: { listedFingerprints: listed, presentedFingerprint: presented, hostId: host.id } }
  )
}
