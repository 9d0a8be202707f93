// The change gate over in-memory hosts: the same rules for every method and for the desired state's
// re-apply (HSTS lockout, catalog per host, size limits), and the per-pool lock shared with restarts.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MAX_FILE_BYTES } from '../../src/conf'
import { hostRefusals } from '../../src/services/change-gate/host-rules'
import { checkDropInSettings, DropInService } from '../../src/services/dropins'
import { PoolLocks } from '../../src/services/pool-lock'
import { parseSettings } from '../../src/settings/settings'
import { FakeHostFiles, fakeHost } from './fake-files'
import { fakeXo } from './fake-xo'

const HOSTS = ['h1', 'h2', 'h3']
const MANAGED = '/etc/xapi.conf.d/zz-xo-xapi-config.conf'
const admin = { id: 'admin-id', email: 'admin@example.org', permission: 'admin' as const }

describe('change gate', () => {
  let dataDir: string
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gate-'))
  })
  afterEach(() => rm(dataDir, { recursive: true, force: true }))

  function setup({ configuration = {}, untrusted = ['h2'], locks = new PoolLocks() }: { configuration?: object; untrusted?: string[]; locks?: PoolLocks } = {}) {
    const xo = fakeXo(HOSTS.map(id => ({ id })))
    const files = new FakeHostFiles()
    const trusted: string[] = []
    const trust = async (pool: { hosts: Array<{ id: string; label: string; address: string; poolId: string; isMaster: boolean }> }) => {
      trusted.push(...pool.hosts.map(host => host.id))
      return pool.hosts.filter(host => untrusted.includes(host.id)).map(host => ({ host, why: 'self-signed: it is self-signed' }))
    }
    const service = new DropInService({ xo, settings: parseSettings(configuration), dataDir, files, trust, locks })
    return { xo, files, service, trusted, locks }
  }

  const refusedWith = (code: number, pattern: RegExp) => (error: any) => {
    assert.equal(error.code, code, error.message)
    assert.match(error.message + JSON.stringify(error.data), pattern)
    return true
  }

  describe('the HSTS lockout rule, whatever asks', () => {
    it('refuses apply of a positive hsts_max_age on an untrusted host, naming it, and plan shows it', async () => {
      const { files, service } = setup()
      const params = { pool: 'pool-1', settings: { hsts_max_age: 31536000 } }
      await assert.rejects(service.apply(params, { user: admin }), refusedWith(5, /host h2: HSTS would lock browsers out/))
      assert.deepEqual(files.writes, [])
      const plan = await service.plan(params)
      assert.equal(plan.applicable, false)
      const refused = plan.hosts.filter(row => row.ok && row.refusals.length !== 0).map(row => row.host.id)
      assert.deepEqual(refused, ['h2'])
    })

    it('lets it through with allowUntrustedCertificate and says which hosts were accepted', async () => {
      const { files, service } = setup()
      const result = await service.apply({ pool: 'pool-1', settings: { hsts_max_age: 600 }, allowUntrustedCertificate: true }, { user: admin })
      assert.equal(result.outcome, 'applied')
      assert.deepEqual(result.untrustedAccepted?.map(entry => entry.host.id), ['h2'])
      assert.match(files.disk('h2').get(MANAGED)!, /^hsts_max_age = 600$/m)
    })

    it('does not probe certificates for a change that does not turn HSTS on', async () => {
      const { service, trusted } = setup()
      await service.apply({ pool: 'pool-1', settings: { pending_task_timeout: 172800 } }, { user: admin })
      await service.apply({ pool: 'pool-1', settings: { hsts_max_age: 0 } }, { user: admin })
      assert.deepEqual(trusted, [])
    })

    it('refuses removeFile when it uncovers a positive value another file set', async () => {
      const { files, service } = setup()
      for (const id of HOSTS) {
        files.disk(id).set('/etc/xapi.conf.d/aa-hsts.conf', 'hsts_max_age = 600\n')
        files.disk(id).set('/etc/xapi.conf.d/zz-off.conf', 'hsts_max_age = 0\n')
      }
      await assert.rejects(service.removeFile({ pool: 'pool-1', file: 'zz-off.conf', force: true }, {}), refusedWith(5, /host h2: HSTS/))
      assert.deepEqual(files.writes, [])
    })

    it('refuses a desired drop-in with a positive hsts_max_age in the settings form unless its entry allows it', () => {
      const entry = { pools: [], file: 'zz-xo-xapi-config.conf', settings: 'hsts_max_age = 31536000\n' }
      assert.throws(() => checkDropInSettings(parseSettings({ desired: [entry] })), refusedWith(10, /Allow HSTS with untrusted certificates/))
      assert.doesNotThrow(() => checkDropInSettings(parseSettings({ desired: [{ ...entry, allowUntrustedCertificate: true }] })))
      assert.doesNotThrow(() => checkDropInSettings(parseSettings({ desired: [{ ...entry, settings: 'hsts_max_age = 0\n' }] })))
    })

    it('the scheduled re-apply goes through the same rule', async () => {
      const desired = [{ pools: [], file: 'zz-xo-xapi-config.conf', settings: 'hsts_max_age = 600\n', allowUntrustedCertificate: true }]
      const { files, service, trusted } = setup({ configuration: { desired, audit: { reapply: true, checkHsts: false } } })
      const report = await service.audit.run()
      assert.equal(report.reapplied[0].result?.outcome, 'applied')
      assert.deepEqual(report.reapplied[0].result?.untrustedAccepted?.map(entry => entry.host.id), ['h2'])
      assert.deepEqual(trusted, HOSTS)
      assert.match(files.disk('h1').get(MANAGED)!, /^hsts_max_age = 600$/m)
    })
  })

  describe('host rules', () => {
    const host = fakeHost('h1', true)
    const tree = { main: null, configDir: '/etc/xapi.conf.d', dirState: 'directory' as const, dropIns: [] }
    const starts = { outcome: 'starts' as const, summary: 'XAPI starts', errors: [] }

    it('refuses a file larger than the write limit, naming the limit', () => {
      const after = `# big\n${'# padding\n'.repeat(MAX_FILE_BYTES / 10 + 1)}`
      const [refusal] = hostRefusals({ host, file: 'zz.conf', tree, before: null, after, startupAfter: starts })
      assert.equal(refusal.kind, 'invalid')
      assert.match(refusal.message, new RegExp(`limit of a file the plugin writes is ${MAX_FILE_BYTES} bytes`))
    })

    it('refuses a line longer than the limit and a value the catalog refuses, even when a revert asks', () => {
      const refusals = hostRefusals({ host, file: 'zz.conf', tree, before: null, after: `# ${'x'.repeat(9000)}\nhsts_max_age = 1y\n`, startupAfter: starts })
      assert.deepEqual(refusals.map(refusal => refusal.kind), ['invalid', 'invalid'])
      assert.match(refusals[0].message, /line of 9002 bytes/)
      assert.match(refusals[1].message, /hsts_max_age: expected a plain decimal integer/)
    })

    it('leaves assignments the file already held alone', () => {
      const before = 'some-hand-written-key = 1\n'
      assert.deepEqual(hostRefusals({ host, file: 'zz.conf', tree, before, after: `${before}pending_task_timeout = 6000\n`, startupAfter: starts }), [])
    })
  })

  describe('the per-pool lock shared with restarts', () => {
    it('refuses a change while a restart of the pool runs, naming the restart, and writes nothing', async () => {
      const { files, service, locks } = setup()
      const release = locks.acquire('pool-1', { kind: 'restart', by: 'other@example.org', startedAt: 0, reason: 'restart requested' })
      await assert.rejects(
        service.apply({ pool: 'pool-1', settings: { pending_task_timeout: 172800 } }, {}),
        refusedWith(25, /a toolstack restart \(restart requested\) has been running since 1970-01-01T00:00:00\.000Z by other@example\.org/)
      )
      assert.deepEqual(files.writes, [])
      release()
      await service.apply({ pool: 'pool-1', settings: { pending_task_timeout: 172800 } }, {})
      assert.equal(files.writes.length, 3)
    })

    it('refuses a restart while a change of the pool runs, and runs changes of one pool one after the other', async () => {
      const locks = new PoolLocks()
      const order: string[] = []
      let finishFirst!: () => void
      const first = locks.queue('pool-1', { kind: 'change', startedAt: 0, reason: 'apply' }, async () => {
        order.push('first starts')
        await new Promise<void>(resolve => (finishFirst = resolve))
        order.push('first ends')
      })
      const second = locks.queue('pool-1', { kind: 'change', startedAt: 0, reason: 'apply' }, async () => {
        order.push('second starts')
      })
      const otherPool = locks.queue('pool-2', { kind: 'change', startedAt: 0, reason: 'apply' }, async () => {
        order.push('other pool runs')
      })
      await otherPool
      assert.throws(() => locks.acquire('pool-1', { kind: 'restart', startedAt: 0, reason: 'restart' }), refusedWith(25, /a change of its files \(apply\)/))
      finishFirst()
      await Promise.all([first, second])
      assert.deepEqual(order, ['first starts', 'other pool runs', 'first ends', 'second starts'])
    })
  })
})
