// Jobs and backup guard, e-mail transport and store, as the plugin finds them on xo.
import assert from 'node:assert/strict'
import { join } from 'node:path'

import { createHarness, type Harness } from './index'
import { JsonStore } from './store'

function putObject(harness: Harness, id: string, type: string, poolId: string): void {
  harness.xo.objects.set(id, Object.freeze({ id, type, $pool: poolId, $poolId: poolId, _xapiRef: `OpaqueRef:${id}` }))
}

describe('harness: jobs and the backup guard', () => {
  let harness: Harness
  beforeEach(async () => {
    harness = await createHarness()
    putObject(harness, 'vm-a', 'VM', 'pool-a')
    putObject(harness, 'vm-b', 'VM', 'pool-b')
  })
  afterEach(() => harness.stop())

  const guard = (poolId: string) => harness.xo.backupGuard(poolId)

  it('lets everything through when no backup job runs', async () => {
    harness.xo.jobs.defineJob({ type: 'backup', vms: { id: 'vm-a' } })
    await guard('pool-a')
    assert.deepEqual((await harness.xo.getAllJobs('backup')).map(job => job.runId), [undefined])
  })

  it('refuses a pool with a VM of a running simple-pattern backup job', async () => {
    const id = harness.xo.jobs.defineJob({ type: 'backup', name: 'nightly', vms: { id: { __or: ['vm-a', 'vm-x'] } } })
    const runId = harness.xo.jobs.startJob(id)
    assert.equal(harness.xo.runningJobs[id], runId)
    assert.equal((await harness.xo.getJob(id)).runId, runId)

    await assert.rejects(guard('pool-a'), {
      code: 5,
      data: { operation: 'Backup is running', reason: 'A backup is running on the pool: pool-a' },
    })
    await guard('pool-b')

    const terminated: unknown[] = []
    harness.xo.on('job:terminated', (...args) => terminated.push(args))
    harness.xo.jobs.finishJob(id)
    await guard('pool-a')
    assert.deepEqual(terminated, [[runId, { type: 'backup' }]])
  })

  it('refuses any pool a running smart-mode job may reach, unless its $pool pattern excludes it', async () => {
    const everywhere = harness.xo.jobs.defineJob({ type: 'backup', vms: { type: 'VM', tags: ['prod'] } })
    harness.xo.jobs.startJob(everywhere)
    await assert.rejects(guard('pool-b'), {
      code: 5,
      data: { operation: 'May have running backup', reason: 'A backup may run on the pool: pool-b' },
    })
    harness.xo.jobs.finishJob(everywhere)

    const notPoolA = harness.xo.jobs.defineJob({ type: 'backup', vms: { type: 'VM', $pool: { __not: { __or: ['pool-a'] } } } })
    harness.xo.jobs.startJob(notPoolA)
    await guard('pool-a')
    await assert.rejects(guard('pool-b'), { code: 5 })
  })

  it('ignores metadata and mirror backups, as xo-server does, but reports them as running jobs', async () => {
    const metadata = harness.xo.jobs.defineJob({ type: 'metadataBackup', pools: { id: 'pool-a' } })
    const mirror = harness.xo.jobs.defineJob({ type: 'mirrorBackup' })
    harness.xo.jobs.startJob(metadata)
    harness.xo.jobs.startJob(mirror)
    await guard('pool-a')
    const running = (await harness.xo.getAllJobs()).filter(job => job.runId !== undefined).map(job => job.type)
    assert.deepEqual(running.sort(), ['metadataBackup', 'mirrorBackup'])
    await assert.rejects(harness.xo.getJob(metadata, 'backup'), { code: 1 })
  })
})

describe('harness: e-mail transport and store', () => {
  let harness: Harness
  afterEach(() => harness.stop())

  it('defines xo.sendEmail like transport-email and records the mails', async () => {
    harness = await createHarness()
    const xo = harness.xo as unknown as { sendEmail(mail: object): Promise<void> }
    await xo.sendEmail({ to: ['admin@example.net'], subject: 'drift', markdown: '*2 hosts*', cc: undefined })
    assert.deepEqual(harness.email.sent, [{ to: ['admin@example.net'], subject: 'drift', markdown: '*2 hosts*' }])

    harness.email.failWith(new Error('SMTP down'))
    await assert.rejects(xo.sendEmail({ to: 'x' }), /SMTP down/)
    harness.email.uninstall()
    assert.equal('sendEmail' in harness.xo, false)
  })

  it('leaves xo.sendEmail undefined without the transport, and refuses to define a property twice', async () => {
    harness = await createHarness({ email: false })
    assert.equal('sendEmail' in harness.xo, false)
    const remove = harness.xo.defineProperty('custom', () => 1)
    assert.throws(() => harness.xo.defineProperty('custom', 2), /Xo#custom is already defined/)
    remove()
    assert.equal('custom' in harness.xo, false)
  })

  it('keeps store entries on disk, in key order, with level-like errors', async () => {
    harness = await createHarness()
    const store = await harness.xo.getStore('xapi-config')
    await store.put('b', { fingerprint: 'SHA256:b' })
    await store.put('a', [1, 2])
    await assert.rejects(store.get('missing'), { notFound: true, type: 'NotFoundError' })
    assert.equal(await store.has('a'), true)

    const reopened = new JsonStore(join(harness.dataDir, 'store', 'xapi-config.json'))
    assert.deepEqual(await reopened.get('b'), { fingerprint: 'SHA256:b' })
    const entries: unknown[] = []
    for await (const entry of store.iterator()) entries.push(entry)
    assert.deepEqual(entries, [
      ['a', [1, 2]],
      ['b', { fingerprint: 'SHA256:b' }],
    ])
    await store.del('a')
    assert.equal(await store.has('a'), false)
  })
})
