import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { isHostAccessError } from '../../src/ssh/errors'
import { fingerprintOf, keyTypeOf } from '../../src/ssh/fingerprint'
import { HostKeyStore, PINS_FILE_NAME } from '../../src/ssh/host-key-store'
import { PinsFile } from '../../src/ssh/pins-file'

/** A public key blob in SSH wire format: string type, string key. */
function keyBlob(type = 'ssh-ed25519'): Buffer {
  return Buffer.concat([sshString(Buffer.from(type)), sshString(randomBytes(32))])
}

function sshString(data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  return Buffer.concat([length, data])
}

const host = { id: '0b5f6c52-host-1', address: '192.0.2.10', label: 'xcp-1' }

describe('ssh/fingerprint', () => {
  it('prints fingerprints exactly as ssh-keygen -l does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xo-fp-'))
    try {
      const blob = keyBlob()
      await writeFile(join(dir, 'key.pub'), `ssh-ed25519 ${blob.toString('base64')} test\n`)
      const { stdout } = await promisify(execFile)('ssh-keygen', ['-l', '-f', join(dir, 'key.pub')])
      assert.equal(fingerprintOf(blob), stdout.split(' ')[1])
    } finally {
      await rm(dir, { recursive: true })
    }
  })

  it('reads the key type from the blob', () => {
    assert.equal(keyTypeOf(keyBlob('ecdsa-sha2-nistp256')), 'ecdsa-sha2-nistp256')
    assert.equal(keyTypeOf(Buffer.from([0, 0, 0, 50, 1])), 'unknown')
  })
})

describe('ssh/host-key-store', () => {
  let dir: string
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'xo-hostkeys-'))))
  afterEach(() => rm(dir, { recursive: true, force: true }))

  describe('pin-on-first-use', () => {
    it('pins the first key, accepts it again, persists it (0600) for a new store', async () => {
      const key = keyBlob()
      await new HostKeyStore({ directory: dir, policy: 'pin-on-first-use' }).verify(host, key)
      const file = join(dir, PINS_FILE_NAME)
      assert.equal((await stat(file)).mode & 0o777, 0o600)
      const reopened = new HostKeyStore({ directory: dir, policy: 'pin-on-first-use' })
      await reopened.verify(host, key)
      assert.equal((await reopened.pinned(host.id))?.fingerprint, fingerprintOf(key))
      assert.equal((await reopened.pinned(host.id))?.keyType, 'ssh-ed25519')
    })

    it('refuses a changed key with both fingerprints and how to accept it', async () => {
      const store = new HostKeyStore({ directory: dir, policy: 'pin-on-first-use' })
      const first = keyBlob()
      const second = keyBlob()
      await store.verify(host, first)
      const error = await store.verify(host, second).then(() => undefined, (e: unknown) => e)
      assert.ok(isHostAccessError(error, 'HOST_KEY_CHANGED'), String(error))
      assert.ok(error.message.includes(fingerprintOf(first)), error.message)
      assert.ok(error.message.includes(fingerprintOf(second)), error.message)
      assert.match(error.message, /forgetHostKey/)
      assert.match(error.message, new RegExp(host.id))
      assert.deepEqual(
        [error.data?.expectedFingerprint, error.data?.presentedFingerprint],
        [fingerprintOf(first), fingerprintOf(second)]
      )
      assert.equal((await store.pinned(host.id))?.fingerprint, fingerprintOf(first), 'the pin is unchanged')
    })

    it('pins per host id: the same address under another id is another host', async () => {
      const store = new HostKeyStore({ directory: dir, policy: 'pin-on-first-use' })
      await store.verify(host, keyBlob())
      await store.verify({ ...host, id: 'other-host' }, keyBlob())
    })

    it('forget() drops the pin so that the next key is pinned', async () => {
      const store = new HostKeyStore({ directory: dir, policy: 'pin-on-first-use' })
      await store.verify(host, keyBlob())
      assert.equal(await store.forget(host.id), true)
      assert.equal(await store.forget(host.id), false)
      const replacement = keyBlob()
      await store.verify(host, replacement)
      const reopened = new HostKeyStore({ directory: dir, policy: 'pin-on-first-use' })
      assert.equal((await reopened.pinned(host.id))?.fingerprint, fingerprintOf(replacement))
    })

    it('stores on the same directory share their pins and never write over each other', async () => {
      const first = new HostKeyStore({ directory: dir, policy: 'pin-on-first-use' })
      const second = new HostKeyStore({ directory: dir, policy: 'pin-on-first-use' })
      const [key1, key2] = [keyBlob(), keyBlob()]
      await second.pinned('anything') // loaded before the first store pins
      await first.verify(host, key1)
      await second.verify({ ...host, id: 'host-2' }, key2)
      await assert.rejects(second.verify(host, keyBlob()), (e: unknown) => isHostAccessError(e, 'HOST_KEY_CHANGED'))
      const saved = JSON.parse(await readFile(join(dir, PINS_FILE_NAME), 'utf8'))
      assert.deepEqual(Object.keys(saved.hosts).sort(), [host.id, 'host-2'])
    })

    it('refuses every key while the pins file is corrupt, rather than pinning again', async () => {
      await writeFile(join(dir, PINS_FILE_NAME), '{"version": 1, "hosts": {"x": {"fingerprint": "MD5:aa"}}}')
      const store = new HostKeyStore({ directory: dir, policy: 'pin-on-first-use' })
      await assert.rejects(store.verify(host, keyBlob()), (e: unknown) => isHostAccessError(e, 'IO') && /not valid/.test(e.message))
    })

    it('concurrent first connections of one host pin one key; the other key is refused', async () => {
      const store = new HostKeyStore({ directory: dir, policy: 'pin-on-first-use' })
      const outcomes = await Promise.allSettled([store.verify(host, keyBlob()), store.verify(host, keyBlob())])
      assert.deepEqual(outcomes.map(o => o.status).sort(), ['fulfilled', 'rejected'])
      const saved = JSON.parse(await readFile(join(dir, PINS_FILE_NAME), 'utf8'))
      assert.equal(saved.hosts[host.id].fingerprint, (await store.pinned(host.id))?.fingerprint)
    })
  })

  describe('saving pins in batches', () => {
    it('pins many hosts at once in a few writes, and each verify resolves only once its pin is on disk', async () => {
      const store = new HostKeyStore({ directory: dir, policy: 'pin-on-first-use' })
      const file = join(dir, PINS_FILE_NAME)
      const hosts = Array.from({ length: 40 }, (_, index) => ({ ...host, id: `host-${index}` }))
      const onDiskWhenVerified = await Promise.all(
        hosts.map(async one => {
          await store.verify(one, keyBlob())
          return Object.hasOwn(JSON.parse(readFileSync(file, 'utf8')).hosts, one.id)
        })
      )
      assert.deepEqual(onDiskWhenVerified, hosts.map(() => true))
      const writes = PinsFile.at(file).writes
      assert.ok(writes >= 1 && writes <= 3, `${writes} writes for ${hosts.length} new pins`)
    })

    it('a second connection to a host whose pin is being written is trusted only once the pin is on disk', async () => {
      const store = new HostKeyStore({ directory: dir, policy: 'pin-on-first-use' })
      const file = join(dir, PINS_FILE_NAME)
      const key = keyBlob()
      const first = store.verify(host, key)
      await store.verify(host, key)
      assert.ok(Object.hasOwn(JSON.parse(readFileSync(file, 'utf8')).hosts, host.id))
      await first
    })
  })

  describe('listed fingerprints', () => {
    it('listed-only accepts a fingerprint listed for the address or for the host id', async () => {
      const byAddress = keyBlob()
      const byId = keyBlob()
      const store = new HostKeyStore({
        directory: dir,
        policy: 'listed-only',
        listed: [`${host.address} ${fingerprintOf(byAddress)}`, `${host.id} ${fingerprintOf(byId)}`],
      })
      await store.verify(host, byAddress)
      await store.verify(host, byId)
      assert.equal(await store.pinned(host.id), undefined, 'nothing is pinned under listed-only')
    })

    it('listed-only refuses an unlisted key, showing the presented fingerprint and the listed ones', async () => {
      const listed = keyBlob()
      const presented = keyBlob()
      const store = new HostKeyStore({ directory: dir, policy: 'listed-only', listed: [`${host.address} ${fingerprintOf(listed)}`] })
      const error = await store.verify(host, presented).then(() => undefined, (e: unknown) => e)
      assert.ok(isHostAccessError(error, 'HOST_KEY_NOT_LISTED'), String(error))
      assert.ok(error.message.includes(fingerprintOf(presented)))
      assert.ok(error.message.includes(fingerprintOf(listed)))
    })

    it('listed-only refuses a host with no listed fingerprint and says how to list it', async () => {
      const store = new HostKeyStore({ directory: dir, policy: 'listed-only' })
      await assert.rejects(
        store.verify(host, keyBlob()),
        (e: unknown) => isHostAccessError(e, 'HOST_KEY_NOT_LISTED') && e.message.includes(`"${host.address} <fingerprint>"`)
      )
    })

    it('under pin-on-first-use, a listed host is held to its list and never pinned', async () => {
      const listed = keyBlob()
      const store = new HostKeyStore({ directory: dir, policy: 'pin-on-first-use', listed: [`${host.id} ${fingerprintOf(listed)}`] })
      await assert.rejects(store.verify(host, keyBlob()), (e: unknown) => isHostAccessError(e, 'HOST_KEY_NOT_LISTED'))
      await store.verify(host, listed)
      assert.equal(await store.pinned(host.id), undefined)
    })

    it('rejects malformed entries at construction', () => {
      for (const entry of ['192.0.2.10', '192.0.2.10 MD5:ab:cd', `192.0.2.10 ${fingerprintOf(keyBlob())} extra`, 'SHA256:abc']) {
        assert.throws(
          () => new HostKeyStore({ directory: dir, policy: 'listed-only', listed: [entry] }),
          (e: unknown) => isHostAccessError(e, 'NOT_CONFIGURED')
        )
      }
    })
  })
})
