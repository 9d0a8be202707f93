// HostAccess instances pointed at a test sshd, closed after each test, and the tests' small helpers.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { HostAccess, type HostAccessOptions } from '../../src/ssh/host-access'
import { HostKeyStore, type HostKeyStoreOptions } from '../../src/ssh/host-key-store'
import type { SshHost } from '../../src/ssh/errors'
import type { TestSshd } from './sshd'

export function hostOf(sshd: { address: string }, id = 'host-1'): SshHost {
  return { id, address: sshd.address, label: `test ${id}` }
}

export class AccessFixture {
  dataDir = ''
  readonly #opened: HostAccess[] = []

  async setUp(): Promise<void> {
    this.dataDir = await mkdtemp(join(tmpdir(), 'xo-ssh-data-'))
  }

  async tearDown(): Promise<void> {
    await Promise.all(this.#opened.splice(0).map(access => access.close()))
    await rm(this.dataDir, { recursive: true, force: true })
  }

  hostKeys(options: Partial<HostKeyStoreOptions> = {}): HostKeyStore {
    return new HostKeyStore({ directory: this.dataDir, policy: 'pin-on-first-use', ...options })
  }

  /** Key authentication as root, paths under the server's scratch root, short timeouts. */
  access(sshd: TestSshd, options: Partial<HostAccessOptions> = {}): HostAccess {
    const access = new HostAccess({
      credentials: { username: 'root', privateKey: sshd.clientKey },
      hostKeys: this.hostKeys(),
      port: sshd.port,
      root: sshd.root,
      timeouts: { connectMs: 5000, commandMs: 5000, idleMs: 5000 },
      ...options,
    })
    this.#opened.push(access)
    return access
  }
}

/** The rejection of a promise that must fail. */
export const failure = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(() => assert.fail('expected a failure'), (e: unknown) => e)

export async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) {
      assert.fail('condition not met in time')
    }
    await sleep(20)
  }
}
