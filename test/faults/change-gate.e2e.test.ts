// Issue 11, items 1, 4, 5, 7, 8, 9, 10 and 11: the change gate that every write goes through, tried as a
// careless or hostile admin would, on a lab pool whose hosts have self-signed certificates (as fresh
// XCP-ng hosts do). Each test checks as root over SSH, with sha256, that nothing was written (or that
// every host is consistent), and with the lab's own XAPI view that no host restarted. Run `npm run build` first.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { appendFile, mkdir, rename, rmdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Harness } from '../harness'
import type { Lab, LabHost, LabPool } from '../lab'
import { agentStartTimes, restartedSince } from '../support/lab-xapi'
import { callError as callErrorOf, onHost as onLabHost, type XoErrorLike } from '../support/lab-calls'
import { PLUGIN_ID, startPluginLab, type PluginLab } from '../support/plugin-lab'

const CONF_DIR = '/etc/xapi.conf.d'
const MANAGED = `${CONF_DIR}/zz-xo-xapi-config.conf`
const BIG = `${CONF_DIR}/zz-big.conf`
const REST = '/rest/v0/plugins/xapi-config'
const RESTART_TASK_TYPE = 'xo:xapi-config:restart'
const STALE_TEMP = '/etc/.xapi.conf.d.xo-tmp-0123456789ab'
const DECOYS = ['/etc/.xapi.conf.d.xo-tmp-keep', '/etc/.xapi.conf.d.other', '/etc/.xapi.conf.d.xo-tmp-0123456789abc']


describe('faults: the change gate (harness + lab)', function () {
  this.timeout(240_000)
  let fleet: PluginLab
  let lab: Lab
  let harness: Harness
  let pool: LabPool

  before(async function () {
    fleet = await startPluginLab({ pools: 1, hostsPerPool: 3 })
    ;({ lab, harness } = fleet)
    pool = lab.pools[0]
  })

  after(async function () {
    await fleet?.stop()
  })

  afterEach(async function () {
    for (const host of pool.hosts) {
      await onHost(host, `rm -f ${MANAGED} ${BIG} ${STALE_TEMP} ${DECOYS.join(' ')}`)
    }
  })

  const call = (method: string, params: Record<string, unknown> = {}) => harness.call(`xapiConfig.${method}`, params)

  const callError = (method: string, params: Record<string, unknown>) => callErrorOf(harness, method, params)
  const onHost = (host: LabHost, command: string) => onLabHost(lab, host, command)

  /** Per host: every entry of /etc/xapi.conf.d with the sha256 of its bytes, and the entries beside it. */
  function snapshot(): Promise<string[]> {
    const digest = `cd ${CONF_DIR} && for f in $(ls -A); do printf '%s %s\\n' "$f" "$(sha256sum < "$f")"; done; ls -A /etc | grep 'xapi.conf' || true`
    return Promise.all(pool.hosts.map(host => onHost(host, digest)))
  }

  /** Runs `check` with the pool's state before, and asserts afterwards that no file changed and no host restarted. */
  async function nothingChanges(check: () => Promise<void>): Promise<void> {
    const files = await snapshot()
    const agents = await agentStartTimes(lab, pool)
    await check()
    assert.deepEqual(await snapshot(), files, 'no file changed on any host')
    assert.deepEqual(restartedSince(agents, await agentStartTimes(lab, pool)), [], 'no host restarted')
  }

  const journalPath = () => join(harness.dataDir, PLUGIN_ID, 'dropins-journal.jsonl')
  const journalSize = async () => (await stat(journalPath()).catch(() => ({ size: 0 }))).size
  const labels = () => pool.hosts.map(host => host.name_label)

  it('1: refuses a positive hsts_max_age where certificates are untrusted, whatever method or setting asks', async function () {
    await nothingChanges(async () => {
      const refused = await callError('apply', { pool: pool.uuid, settings: { hsts_max_age: 31536000 }, restart: true })
      assert.equal(refused.code, 5, refused.message) // forbiddenOperation
      for (const label of labels()) {
        assert.ok(refused.message.includes(`${label}: HSTS would lock browsers out`), refused.message)
        assert.ok(String(refused.data.reason).includes(`${label}: HSTS would lock browsers out`))
      }
      assert.match(refused.message, /allowUntrustedCertificate/)

      const plan = await call('plan', { pool: pool.uuid, settings: { hsts_max_age: 31536000 } })
      assert.equal(plan.applicable, false)
      assert.ok(plan.hosts.every((row: any) => row.refusals.some((refusal: any) => /HSTS would lock browsers out/.test(refusal.message))))

      const viaSetHsts = await callError('setHsts', { pool: pool.uuid, maxAge: 600 })
      assert.equal(viaSetHsts.code, 5)

      const desired = [{ file: 'zz-xo-xapi-config.conf', settings: 'hsts_max_age = 31536000' }]
      const configure = await callError('plugin.configure', { id: PLUGIN_ID, configuration: withSsh({ desired, audit: { reapply: true } }) })
      assert.equal(configure.code, 10, configure.message)
      assert.match(configure.message, /Allow HSTS with untrusted certificates/)
    })

    // Accepted once on purpose, then removed: reverting the removal would turn HSTS on again, and is refused too.
    const enabled = await call('apply', { pool: pool.uuid, settings: { hsts_max_age: 600 }, allowUntrustedCertificate: true })
    assert.deepEqual(enabled.untrustedAccepted.map((entry: any) => entry.host.id).sort(), pool.hosts.map(host => host.uuid).sort())
    const removal = await call('removeFile', { pool: pool.uuid, file: 'zz-xo-xapi-config.conf' })
    await nothingChanges(async () => {
      const revert = await callError('revert', { changeId: removal.changeId })
      assert.equal(revert.code, 5, revert.message)
    })
  })

  it('4: refuses a value the plugin could not read back, naming the limit; the journal stays small and revert is byte exact', async function () {
    await nothingChanges(async () => {
      const refused = await callError('apply', { pool: pool.uuid, expert: true, file: 'zz-big.conf', settings: { 'hotfix-fingerprint': 'A'.repeat(1 << 20) } })
      assert.equal(refused.code, 10, refused.message)
      assert.match(JSON.stringify(refused.data), /4096/)
      assert.ok(JSON.stringify({ message: refused.message, data: refused.data }).length < 4096, 'the error does not echo the value')
    })
    const before = await snapshot()
    const journalBefore = await journalSize()
    const value = 'B'.repeat(4000)
    const applied = await call('apply', { pool: pool.uuid, expert: true, file: 'zz-big.conf', settings: { 'hotfix-fingerprint': value } })
    assert.equal(applied.outcome, 'applied')
    assert.ok((await journalSize()) - journalBefore < 16_384, `the journal grew by ${(await journalSize()) - journalBefore} bytes`)
    const history = await call('history', { limit: 1 })
    assert.ok(JSON.stringify(history).length < 8192, `history limit=1 is ${JSON.stringify(history).length} characters`)
    const written = await onHost(pool.hosts[0], `sha256sum < ${BIG}`)
    assert.equal(history[0].hosts[0].after.sha256, written.split(' ')[0])
    await call('revert', { changeId: applied.changeId })
    assert.deepEqual(await snapshot(), before, 'revert puts back every byte')
  })

  it('5: refuses a 1 MB unknown key and a 200 KB desired line at once, quoting only a prefix', async function () {
    await nothingChanges(async () => {
      const key = await callError('apply', { pool: pool.uuid, settings: { ['k'.repeat(1 << 20)]: '1' } })
      assert.equal(key.code, 10)
      assert.ok(JSON.stringify({ message: key.message, data: key.data }).length < 4096)
      const long = 'x'.repeat(200_000)
      const line = await callError('plugin.configure', { id: PLUGIN_ID, configuration: withSsh({ desired: [{ settings: long }] }) })
      assert.equal(line.code, 10)
      assert.ok(JSON.stringify({ message: line.message, data: line.data }).length < 4096)
      const withinForm = await callError('plugin.configure', { id: PLUGIN_ID, configuration: withSsh({ desired: [{ settings: long.slice(0, 60_000) }] }) })
      assert.equal(withinForm.code, 10)
      assert.match(withinForm.message, /limit of a line is 8192/)
      assert.ok(withinForm.message.length < 1024)
    })
  })

  it('7: refuses apply while a rolling restart of the same pool runs, naming the restart', async function () {
    const before = await snapshot()
    let refusal: Promise<XoErrorLike> | undefined
    const onUpdate = (log: any) => {
      if (log.properties.type === RESTART_TASK_TYPE && refusal === undefined) {
        refusal = callError('apply', { pool: pool.uuid, settings: { pending_task_timeout: 172800 } })
      }
    }
    harness.xo.tasks.on('update', onUpdate)
    try {
      const report = await call('restartToolstack', { pool: pool.uuid, bypassTaskCheck: true })
      assert.equal(report.ok, true)
    } finally {
      harness.xo.tasks.off('update', onUpdate)
    }
    assert.ok(refusal !== undefined, 'apply was called during the restart')
    const error = await refusal
    assert.equal(error.code, 25, error.message) // incorrectState
    assert.match(error.message, /a toolstack restart .* has been running since/)
    assert.deepEqual(await snapshot(), before, 'the restart loaded the files as they were on every host')
  })

  it('8: refuses file names over 255 bytes with invalidParameters, and journals nothing', async function () {
    const changes = (await call('history', { limit: 1000 })).length
    await nothingChanges(async () => {
      const name = `${'é'.repeat(130)}.conf` // 135 characters, 265 bytes
      for (const [method, params] of [
        ['apply', { pool: pool.uuid, file: name, settings: { pending_task_timeout: 172800 } }],
        ['removeFile', { pool: pool.uuid, file: name, force: true }],
        ['apply', { pool: pool.uuid, file: `${'a'.repeat(300)}.conf`, settings: { pending_task_timeout: 172800 } }],
      ] as const) {
        const error = await callError(method, params)
        assert.equal(error.code, 10, `${method}: ${error.message}`)
        assert.match(error.message + JSON.stringify(error.data), /255/)
      }
    })
    assert.equal((await call('history', { limit: 1000 })).length, changes)
  })

  it('9: answers __proto__, constructor, toString and hasOwnProperty as unknown keys', async function () {
    await nothingChanges(async () => {
      for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
        const settings = JSON.parse(`{${JSON.stringify(key)}: "1"}`)
        const error = await callError('apply', { pool: pool.uuid, settings })
        assert.equal(error.code, 10, `${key}: ${error.message}`)
        assert.match(error.message, /is not an XAPI configuration key/)
        assert.doesNotMatch(error.message + JSON.stringify(error.data), /object Object|native code/)
        const desired = await callError('plugin.configure', { id: PLUGIN_ID, configuration: withSsh({ desired: [{ settings: `${key} = 1` }] }) })
        assert.equal(desired.code, 10)
        assert.doesNotMatch(desired.message, /object Object|native code|set twice/)
      }
    })
  })

  it('10: over REST, a body param that contradicts the path is a 422', async function () {
    await nothingChanges(async () => {
      const other = '00000000-0000-4000-8000-000000000000'
      const pooled = await harness.rest('POST', `${REST}/pools/${pool.uuid}/actions/apply?sync=true`, {
        body: { pool: other, settings: { pending_task_timeout: 172800 } },
      })
      assert.equal(pooled.status, 422, JSON.stringify(pooled.body))
      assert.match(JSON.stringify(pooled.body), /contradicts the path/)
      const hosted = await harness.rest('POST', `${REST}/hosts/${pool.hosts[0].uuid}/actions/apply?sync=true`, {
        body: { hosts: [pool.hosts[1].uuid], settings: { pending_task_timeout: 172800 } },
      })
      assert.equal(hosted.status, 422, JSON.stringify(hosted.body))
    })
  })

  it('11: an interrupted change says which hosts were written, the audit finds the mixed pool, revert makes it consistent', async function () {
    const before = await snapshot()
    // What xo-server's death leaves after the first host's write: its records, the new file on one host.
    const content = '# Managed by Xen Orchestra (xo-server-xapi-config): changes made by hand are overwritten.\npending_task_timeout = 7200\n'
    const sha256 = createHash('sha256').update(content).digest('hex')
    const backups = join(harness.dataDir, PLUGIN_ID, 'dropins-backups')
    await mkdir(backups, { recursive: true })
    await writeFile(join(backups, sha256), content)
    const changeId = 'a1b2c3d4-0000-4000-8000-00000000000b'
    const ref = { sha256, bytes: content.length, preview: content.slice(0, 200) }
    const record = (host: LabHost, outcome?: string) => ({
      host: { id: host.uuid, label: host.name_label, address: host.address, poolId: pool.uuid, isMaster: host.isMaster },
      path: MANAGED,
      before: null,
      after: ref,
      ...(outcome === undefined ? {} : { outcome }),
    })
    const entry = (hosts: unknown[]) => ({
      id: changeId,
      kind: 'apply',
      at: new Date().toISOString(),
      user: null,
      targets: { poolId: pool.uuid, poolLabel: pool.name_label, hostIds: pool.hosts.map(host => host.uuid) },
      file: 'zz-xo-xapi-config.conf',
      outcome: 'pending',
      hosts,
    })
    await appendFile(journalPath(), JSON.stringify(entry(pool.hosts.map(host => record(host)))) + '\n')
    await appendFile(journalPath(), JSON.stringify(entry(pool.hosts.map((host, index) => record(host, index === 0 ? 'written' : undefined)))) + '\n')
    await onHost(pool.hosts[0], `printf '%s' '${content}' > ${MANAGED}`)

    const [listed] = await call('history', { limit: 1 })
    assert.equal(listed.outcome, 'interrupted')
    assert.deepEqual(listed.hosts.map((row: any) => row.outcome), ['written', 'unknown', 'unknown'])
    const audit = await call('audit', { pools: [pool.uuid] })
    const [interrupted] = audit.pools[0].interrupted
    assert.equal(interrupted.changeId, changeId)
    assert.equal(interrupted.mixed, true)
    assert.deepEqual(interrupted.hosts.map((row: any) => row.holds), ['result', 'previous', 'previous'])

    await call('revert', { changeId, force: true })
    assert.deepEqual(await snapshot(), before, 'every host holds what it held before the change')
  })

  it("11: the next contact with a host removes the plugin's own stale temp files, and nothing else", async function () {
    const host = pool.hosts[1]
    await onHost(host, `touch -d '1 hour ago' ${STALE_TEMP} ${DECOYS.join(' ')}`)
    await fleet.reloadPlugin() // the next call opens a new connection: a new contact
    await call('getHost', { host: host.uuid })
    const left = (await onHost(host, 'ls -A /etc')).split('\n').filter(name => name.startsWith('.xapi.conf.d'))
    assert.deepEqual(left.sort(), DECOYS.map(path => path.slice('/etc/'.length)).sort())
  })

  it('11: an unexpected internal error reaches the admin as an XO error with a one-line message, no stack', async function () {
    const saved = `${journalPath()}.saved`
    const hadJournal = await rename(journalPath(), saved).then(
      () => true,
      () => false
    )
    await mkdir(journalPath())
    try {
      const error = await callError('history', {})
      assert.equal(error.code, 21, error.message) // operationFailed
      assert.match(error.message, /EISDIR/)
      assert.doesNotMatch(error.message, /\n/)
      assert.doesNotMatch(JSON.stringify(error.data ?? {}), /\s+at \S+ \(/)
    } finally {
      await rmdir(journalPath())
      if (hadJournal) {
        await rename(saved, journalPath())
      }
    }
  })

  function withSsh(extra: Record<string, unknown>) {
    const { username, password } = pool.hosts[0].ssh
    return { ssh: { authentication: 'password', username, password }, ...extra }
  }
})
