// The drop-in service end to end over in-memory hosts: validation, plan, apply all or nothing, revert,
// removeFile, the journal, the desired state and the scheduled audit.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkDropInSettings, DropInService } from '../../src/services/dropins'
import { checkAuditSchedule } from '../../src/services/dropins/schedule'
import { fleetReport } from '../../src/services/hsts/report'
import { parseSettings } from '../../src/settings/settings'
import { getHost } from '../../src/xo/targets'
import { captureCronJobs } from '../support/cron'
import { FakeHostFiles } from './fake-files'
import { fakeXo, type FakeXo } from './fake-xo'

const MANAGED = '/etc/xapi.conf.d/zz-xo-xapi-config.conf'
const TRACING = '/etc/xapi.conf.d/tracing.conf'
const TRACING_CONTENT = 'disable-logging-for=tracing tracing_export\n'
const HOSTS = ['h1', 'h2', 'h3']
const admin = { id: 'admin-id', email: 'admin@example.org', permission: 'admin' as const }

interface Setup {
  xo: FakeXo
  files: FakeHostFiles
  service: DropInService
}

describe('dropins/service', () => {
  let dataDir: string
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'dropins-'))
  })
  afterEach(() => rm(dataDir, { recursive: true, force: true }))

  function setup(configuration: Record<string, unknown> = {}, xapiBuilds: Record<string, string> = {}): Setup {
    const xo = fakeXo(HOSTS.map(id => ({ id, xapiBuild: xapiBuilds[id] })))
    const files = new FakeHostFiles()
    for (const id of HOSTS) {
      files.disk(id).set(TRACING, TRACING_CONTENT)
    }
    const service = new DropInService({ xo, settings: parseSettings(configuration), dataDir, files })
    return { xo, files, service }
  }

  describe('validation: nothing is written', () => {
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['an unknown key, with a suggestion', { settings: { 'pending-task-timeout': '172800' } }, /did you mean pending_task_timeout/],
      ['a unit', { settings: { pending_task_timeout: '48h' } }, /plain decimal number/],
      ['an exponent for an int key', { settings: { hsts_max_age: '1e5' } }, /plain decimal integer/],
      ['a #', { settings: { pending_task_timeout: '172800 # two days' } }, /cannot hold "#"/],
      ['a CR', { settings: { pending_task_timeout: '172800\r' } }, /cannot hold "\\r"/],
      ['a LF', { settings: { pending_task_timeout: '1\nhsts_max_age = 0' } }, /cannot hold "\\n"/],
      ['a NUL', { settings: { pending_task_timeout: '1\0' } }, /cannot hold "\\u0000"/],
      ['a forbidden key', { settings: { 'config-dir': '/tmp' } }, /not managed by Xen Orchestra/],
      ['an expert key without the flag', { settings: { guest_liveness_timeout: '600' } }, /expert/],
      ['a file name with /', { settings: { pending_task_timeout: '1' }, file: '../xapi.conf' }, /not a drop-in name/],
      ['a file name with ..', { settings: { pending_task_timeout: '1' }, file: 'a..conf' }, /not a drop-in name/],
      ['no key', { settings: {} }, /names no key/],
    ]
    for (const [what, params, message] of cases) {
      it(`refuses ${what} with invalidParameters`, async () => {
        const { files, service } = setup()
        await assert.rejects(service.apply({ pool: 'pool-1', ...params } as any, { user: admin }), (error: any) => {
          assert.equal(error.code, 10, `code of ${error.message}`) // xo-common invalidParameters
          assert.match(error.message + JSON.stringify(error.data), message)
          return true
        })
        assert.deepEqual(files.writes, [])
        assert.deepEqual(await service.history(), [])
      })
    }

    it('refuses a vendor drop-in as the file with forbiddenOperation', async () => {
      const { files, service } = setup()
      await assert.rejects(service.apply({ pool: 'pool-1', settings: { pending_task_timeout: '1' }, file: 'tracing.conf' }, {}), { code: 5 })
      assert.deepEqual(files.writes, [])
    })

    it('refuses a key the XAPI version of one host does not know, naming that host', async () => {
      const { files, service } = setup({}, { h2: '1.249.41' })
      await assert.rejects(service.apply({ pool: 'pool-1', settings: { hsts_max_age: '31536000' } }, {}), (error: any) => {
        assert.equal(error.code, 10)
        assert.match(error.message, /host h2: .*23\.16\.0/)
        assert.doesNotMatch(error.message, /host h1/)
        return true
      })
      assert.deepEqual(files.writes, [])
    })
  })

  it('plans without writing: same file on every host, diff, effective values, warnings', async () => {
    const { files, service } = setup()
    const plan = await service.plan({ pool: 'pool-1', settings: { pending_task_timeout: 172800 } })
    assert.equal(plan.applicable, true)
    assert.equal(plan.changes, true)
    assert.deepEqual(plan.settings, { pending_task_timeout: '172800' })
    const rows = plan.hosts.map(row => (row.ok ? row : assert.fail(row.error.message)))
    assert.equal(new Set(rows.map(row => row.after)).size, 1)
    assert.match(rows[0].after!, /^# Managed by Xen Orchestra/)
    assert.match(rows[0].diff, /^\+pending_task_timeout = 172800$/m)
    assert.deepEqual(rows[0].effective.before.pending_task_timeout, { value: '86400.', display: '86400 (24 h)', file: null })
    assert.equal(rows[0].effective.after.pending_task_timeout.value, '172800.')
    assert.equal(rows[0].effective.after.pending_task_timeout.display, '172800 (48 h)')
    assert.equal(rows[0].startup.after.outcome, 'starts')
    assert.match(rows[0].warnings.join('\n'), /this host is the master/)
    assert.match(rows[1].warnings.join('\n'), /only if it becomes the master/)
    assert.match(rows[1].warnings.join('\n'), /toolstack restart/)
    assert.deepEqual(files.writes, [])
  })

  it('warns when a later drop-in shadows the value', async () => {
    const { files, service } = setup()
    files.disk('h1').set('/etc/xapi.conf.d/zzz-admin.conf', 'pending_task_timeout = 3600\n')
    const plan = await service.plan({ pool: 'pool-1', settings: { pending_task_timeout: '172800' } })
    const [h1] = plan.hosts
    assert.ok(h1.ok)
    assert.match(h1.warnings.join('\n'), /set again in \/etc\/xapi\.conf\.d\/zzz-admin\.conf/)
    assert.equal(h1.effective.after.pending_task_timeout.value, '3600.')
  })

  it('applies the same managed file on every host, leaves vendor drop-ins alone, journals it, and is idempotent', async () => {
    const { xo, files, service } = setup()
    const result = await service.apply({ pool: 'pool-1', settings: { pending_task_timeout: '172800' } }, { user: admin })
    assert.equal(result.outcome, 'applied')
    assert.ok(result.changeId)
    const written = HOSTS.map(id => files.disk(id).get(MANAGED))
    assert.equal(new Set(written).size, 1)
    assert.match(written[0]!, /^pending_task_timeout = 172800$/m)
    assert.ok(HOSTS.every(id => files.disk(id).get(TRACING) === TRACING_CONTENT))
    assert.deepEqual(xo.tasksRun.map(task => task.type), ['xo:xapi-config:apply'])
    assert.equal(xo.tasksRun[0].progress.at(-1), 100)

    const [entry] = await service.history()
    assert.equal(entry.id, result.changeId)
    assert.equal(entry.outcome, 'applied')
    assert.deepEqual(entry.user, { id: 'admin-id', name: 'admin@example.org' })
    const digest = createHash('sha256').update(written[0]!, 'latin1').digest('hex')
    assert.deepEqual(entry.hosts.map(host => [host.host.id, host.before, host.after?.sha256, host.after?.bytes]), [
      ['h1', null, digest, written[0]!.length],
      ['h2', null, digest, written[0]!.length],
      ['h3', null, digest, written[0]!.length],
    ])

    const again = await service.apply({ pool: 'pool-1', settings: { pending_task_timeout: '172800' }, restart: true }, { user: admin })
    assert.equal(again.outcome, 'unchanged')
    assert.equal(again.changeId, null)
    assert.match((again.restart as { skipped: string }).skipped, /no host was restarted/)
    assert.equal((await service.history()).length, 1)
  })

  it('merges into the existing managed file and removes a key with null', async () => {
    const { files, service } = setup()
    await service.setTaskTimeout({ pool: 'pool-1', pendingSeconds: 172800, completedSeconds: 7200 }, {})
    await service.apply({ pool: 'pool-1', settings: { completed_task_timeout: null, inactive_session_timeout: '7200' } }, {})
    const content = files.disk('h2').get(MANAGED)!
    assert.match(content, /^pending_task_timeout = 172800$/m)
    assert.match(content, /^inactive_session_timeout = 7200$/m)
    assert.doesNotMatch(content, /completed_task_timeout/)
    await service.apply({ pool: 'pool-1', settings: { pending_task_timeout: null, inactive_session_timeout: null } }, {})
    assert.equal(files.disk('h2').has(MANAGED), false, 'a managed file left without keys is removed')
  })

  it('changes no host when one host is unreachable, and names it', async () => {
    const { files, service } = setup()
    files.unreachable.add('h2')
    await assert.rejects(service.apply({ pool: 'pool-1', settings: { pending_task_timeout: '172800' } }, {}), (error: any) => {
      assert.equal(error.code, 25) // incorrectState
      assert.match(JSON.stringify(error.data), /host h2.*connection refused/)
      return true
    })
    assert.deepEqual(files.writes, [])
  })

  it('rolls the other hosts back when one host cannot write, and journals that', async () => {
    const { files, service } = setup()
    files.disk('h1').set(MANAGED, '# Managed by Xen Orchestra (xo-server-xapi-config): changes made by hand are overwritten.\ncompleted_task_timeout = 7200\n')
    const h1Before = files.disk('h1').get(MANAGED)
    files.full.add('h3')
    const result = await service.apply({ pool: 'pool-1', settings: { pending_task_timeout: '172800' } }, {})
    assert.equal(result.outcome, 'rolled-back')
    assert.deepEqual(result.hosts.map(host => host.outcome), ['rolled-back', 'rolled-back', 'not-written'])
    assert.match(result.hosts[2].error!.message, /no space/)
    assert.equal(files.disk('h1').get(MANAGED), h1Before)
    assert.equal(files.disk('h2').has(MANAGED), false)
    assert.equal((await service.history())[0].outcome, 'rolled-back')
  })

  it('ends the journal entry as interrupted (not pending forever) when the write throws instead of reporting', async () => {
    const { xo, service } = setup()
    xo.tasks.create = () => {
      throw new Error('the task store is down')
    }
    await assert.rejects(service.apply({ pool: 'pool-1', settings: { pending_task_timeout: '172800' } }, {}), /task store is down/)
    const [entry] = await service.history()
    assert.equal(entry.outcome, 'interrupted')
    assert.ok(entry.finishedAt)
  })

  it('refuses a change after which XAPI would not start, naming the host', async () => {
    const { files, service } = setup()
    files.disk('h3').set('/etc/xapi.conf.d/broken.conf', 'hsts_max_age = 1y\n')
    await assert.rejects(service.apply({ pool: 'pool-1', settings: { pending_task_timeout: '172800' } }, {}), (error: any) => {
      assert.equal(error.code, 5) // forbiddenOperation
      assert.match(error.message + JSON.stringify(error.data), /host h3: .*XAPI would not start/)
      return true
    })
    assert.deepEqual(files.writes, [])
  })

  it('refuses a host where the file name is a directory, and one whose XAPI reads another config-dir', async () => {
    const { files, service } = setup()
    files.treeEdits.set('h2', tree => ({ ...tree, dropIns: [...tree.dropIns, { name: 'zz-xo-xapi-config.conf', path: MANAGED, kind: 'directory' }] }))
    files.treeEdits.set('h3', tree => ({ ...tree, configDir: '/etc/xapi.other.d' }))
    const plan = await service.plan({ pool: 'pool-1', settings: { pending_task_timeout: '172800' } })
    const refusals = plan.hosts.map(row => (row.ok ? row.refusals.map(refusal => refusal.message).join() : row.error.message))
    assert.equal(refusals[0], '')
    assert.match(refusals[1], /is a directory, not a readable file/)
    assert.match(refusals[2], /reads its drop-ins from "\/etc\/xapi\.other\.d"/)
    await assert.rejects(service.apply({ pool: 'pool-1', settings: { pending_task_timeout: '172800' } }, {}), { code: 25 })
    assert.deepEqual(files.writes, [])
  })

  it('refuses to merge into a file Xen Orchestra did not write', async () => {
    const { files, service } = setup()
    files.disk('h1').set('/etc/xapi.conf.d/mine.conf', 'pending_task_timeout = 3600\n')
    await assert.rejects(service.apply({ pool: 'pool-1', file: 'mine.conf', settings: { pending_task_timeout: '172800' } }, {}), { code: 5 })
    assert.deepEqual(files.writes, [])
  })

  describe('revert', () => {
    it('brings every host back byte for byte', async () => {
      const { files, service } = setup()
      const odd = '# Managed by Xen Orchestra (xo-server-xapi-config): changes made by hand are overwritten.\n# caf\xe9 \xff\r\npending_task_timeout = 90000 # CRLF, cut with the comment\r\n'
      files.disk('h2').set(MANAGED, odd)
      const snapshot = HOSTS.map(id => new Map(files.disk(id)))
      const { changeId } = await service.apply({ pool: 'pool-1', settings: { pending_task_timeout: '172800' } }, {})
      assert.notDeepEqual(HOSTS.map(id => new Map(files.disk(id))), snapshot)
      const reverted = await service.revert({ changeId: changeId! }, { user: admin })
      assert.equal(reverted.outcome, 'applied')
      assert.deepEqual(HOSTS.map(id => new Map(files.disk(id))), snapshot)
      const [entry] = await service.history({ limit: 1 })
      assert.equal(entry.kind, 'revert')
      assert.equal(entry.revertOf, changeId)
    })

    it('refuses a host whose file changed since, unless forced', async () => {
      const { files, service } = setup()
      const { changeId } = await service.apply({ pool: 'pool-1', settings: { pending_task_timeout: '172800' } }, {})
      files.disk('h3').set(MANAGED, 'edited by hand\n')
      const writes = files.writes.length
      await assert.rejects(service.revert({ changeId: changeId! }, {}), (error: any) => {
        assert.equal(error.code, 25)
        assert.match(JSON.stringify(error.data), /host h3.*changed since/)
        return true
      })
      assert.equal(files.writes.length, writes)
      await service.revert({ changeId: changeId!, force: true }, {})
      assert.ok(HOSTS.every(id => !files.disk(id).has(MANAGED)))
    })

    it('says which change id is unknown', async () => {
      const { service } = setup()
      await assert.rejects(service.revert({ changeId: 'nope' }, {}), { code: 1 })
    })
  })

  describe('removeFile', () => {
    it('removes the managed file everywhere and journals it', async () => {
      const { files, service } = setup()
      await service.setTaskTimeout({ pool: 'pool-1', pendingSeconds: 172800 }, {})
      const result = await service.removeFile({ pool: 'pool-1', file: 'zz-xo-xapi-config.conf' }, {})
      assert.equal(result.outcome, 'applied')
      assert.deepEqual(result.hosts.map(host => host.outcome), ['removed', 'removed', 'removed'])
      assert.ok(HOSTS.every(id => !files.disk(id).has(MANAGED) && files.disk(id).get(TRACING) === TRACING_CONTENT))
      assert.equal((await service.history())[0].kind, 'remove')
    })

    it('needs force for a file Xen Orchestra did not write', async () => {
      const { files, service } = setup()
      files.disk('h1').set('/etc/xapi.conf.d/hsts.conf.bak', 'hsts_max_age = 60\n')
      await assert.rejects(service.removeFile({ pool: 'pool-1', file: 'hsts.conf.bak' }, {}), { code: 5 })
      assert.equal(files.disk('h1').has('/etc/xapi.conf.d/hsts.conf.bak'), true)
      await service.removeFile({ pool: 'pool-1', file: 'hsts.conf.bak', force: true }, {})
      assert.equal(files.disk('h1').has('/etc/xapi.conf.d/hsts.conf.bak'), false)
    })

    for (const file of ['tracing.conf', 'xcpng-ntp.conf', 'ssh-auto-mode.conf', '00-XCP-ng-create-tools-sr.conf']) {
      it(`never removes the vendor drop-in ${file}, even with force`, async () => {
        const { files, service } = setup()
        await assert.rejects(service.removeFile({ pool: 'pool-1', file, force: true }, {}), { code: 5 })
        assert.deepEqual(files.writes, [])
      })
    }

    for (const file of ['../xapi.conf', '..', 'a/b.conf']) {
      it(`refuses the path ${JSON.stringify(file)}`, async () => {
        const { files, service } = setup()
        await assert.rejects(service.removeFile({ pool: 'pool-1', file, force: true }, {}), { code: 10 })
        assert.deepEqual(files.writes, [])
      })
    }
  })

  describe('desired state and scheduled audit', () => {
    const desired = [{ pools: [], file: 'zz-xo-xapi-config.conf', settings: 'pending_task_timeout = 172800\n', expert: false }]
    const audit = { notify: ['ops@example.org'], skipHsts: true }

    it('reports a managed file wiped by an ISO upgrade, by e-mail, without writing when reapply is off', async () => {
      const { xo, files, service } = setup({ desired, audit })
      for (const check of await service.desired.check()) {
        await service.desired.reapply(check.hosts.length === 0 ? [] : [check])
      }
      assert.ok(HOSTS.every(id => files.disk(id).has(MANAGED)))
      const quietRun = await service.audit.run()
      assert.equal(quietRun.needsAttention, false)
      assert.equal(xo.emails.length, 0)

      files.disk('h2').delete(MANAGED) // the ISO upgrade
      const writes = files.writes.length
      const report = await service.audit.run()
      assert.equal(report.needsAttention, true)
      const statuses = report.compliance[0].hosts.map(row => (row.ok ? row.status : 'error'))
      assert.deepEqual(statuses, ['compliant', 'missing', 'compliant'])
      assert.equal(files.writes.length, writes)
      assert.equal(xo.emails.length, 1)
      assert.deepEqual(xo.emails[0].to, ['ops@example.org'])
      assert.match(xo.emails[0].markdown, /\*\*host h2\*\* \(Pool 1\): zz-xo-xapi-config\.conf: missing/)
    })

    it('writes the file back when reapply is on', async () => {
      const { files, service } = setup({ desired, audit: { ...audit, reapply: true } })
      const report = await service.audit.run()
      assert.deepEqual(report.reapplied.map(outcome => outcome.result?.outcome), ['applied'])
      assert.ok(HOSTS.every(id => /^pending_task_timeout = 172800$/m.test(files.disk(id).get(MANAGED) ?? '')))
      assert.equal((await service.history())[0].kind, 'reapply')
      const next = await service.audit.run()
      assert.equal(next.needsAttention, false)
    })

    it('a run that cannot finish: logged, and UNKNOWN for Nagios and Icinga2 from the cron job, which does not reject', async () => {
      const cron = captureCronJobs()
      try {
        const { xo } = setup()
        const sent: unknown[] = []
        Object.assign(xo, {
          sendPassiveCheck: async (...args: unknown[]) => sent.push(['nagios', ...args]),
          sendIcinga2Status: async (status: unknown) => sent.push(['icinga2', status]),
          getObjects: () => {
            throw new Error('XO lost its objects')
          },
        })
        const logged: string[] = []
        const settings = parseSettings({ desired, audit: { notify: ['ops@example.org'], nagios: true, icinga2: true, skipHsts: true } })
        const service = new DropInService({ xo, settings, dataDir, files: new FakeHostFiles(), log: message => logged.push(message) })
        const stop = service.start()
        await cron.jobs.at(-1)!()
        stop()
        const message = 'XAPI configuration audit UNKNOWN: the audit could not run: XO lost its objects'
        assert.deepEqual(sent, [
          ['nagios', { message, status: 3 }, 'xen-orchestra', 'xapi-config-audit'],
          ['icinga2', { message, status: 'UNKNOWN' }],
        ])
        assert.deepEqual(xo.emails, [])
        assert.deepEqual(logged, ['the scheduled XAPI configuration audit failed'])
      } finally {
        cron.restore()
      }
    })

    it('reads each host once per run for every desired file and the HSTS section; again only where it wrote', async () => {
      const xo = fakeXo(HOSTS.map(id => ({ id })))
      const files = new FakeHostFiles()
      const twoFiles = [...desired, { pools: [], file: 'zz-other.conf', settings: 'completed_task_timeout = 7200\n', expert: false }]
      const hstsReads: string[] = []
      const service = new DropInService({
        xo,
        settings: parseSettings({ desired: twoFiles, audit: { notify: [] } }),
        dataDir,
        files,
        checkHsts: async readTree => {
          for (const id of HOSTS) {
            hstsReads.push((await readTree(getHost(xo, id))).configDir)
          }
          return calmHsts()
        },
      })
      await service.audit.run()
      assert.deepEqual([...files.treeReads].sort(), [...HOSTS].sort())
      assert.equal(hstsReads.length, HOSTS.length)

      files.disk('h2').delete(MANAGED)
      const reapplying = new DropInService({
        xo,
        settings: parseSettings({ desired: twoFiles, audit: { notify: [], reapply: true } }),
        dataDir,
        files,
        checkHsts: async readTree => (await Promise.all(HOSTS.map(id => readTree(getHost(xo, id)))), calmHsts()),
      })
      files.treeReads.length = 0
      const report = await reapplying.audit.run()
      const readsOf = (id: string) => files.treeReads.filter(read => read === id).length
      for (const id of HOSTS) {
        // each write back plans on a fresh read; the HSTS section then reads a written host again
        const writeBacks = report.reapplied.filter(outcome => outcome.hosts.includes(id)).length
        assert.equal(readsOf(id), 1 + writeBacks + (writeBacks > 0 ? 1 : 0), `${id}: ${readsOf(id)} reads`)
      }
      assert.ok(report.reapplied.length > 0)
    })

    it('reports a value overridden by a later drop-in', async () => {
      const { files, service } = setup({ desired, audit: { ...audit, reapply: true } })
      await service.audit.run()
      files.disk('h3').set('/etc/xapi.conf.d/zzz.conf', 'pending_task_timeout = 60\n')
      const [check] = await service.desired.check()
      const h3 = check.hosts[2]
      assert.ok(h3.ok)
      assert.equal(h3.status, 'overridden')
      assert.deepEqual(h3.differences, [{ key: 'pending_task_timeout', desired: '172800', actual: '60.', from: '/etc/xapi.conf.d/zzz.conf' }])
    })

    it('refuses bad desired lines when configured', () => {
      const bad = [{ pools: [], file: 'zz-xo-xapi-config.conf', settings: 'pending_task_timeout = 48h\nfoo bar\nhsts_max_age = 1\nhsts_max_age = 2', expert: false }]
      assert.throws(
        () => setup({ desired: bad }),
        (error: any) => {
          assert.equal(error.code, 10)
          assert.match(error.message, /desired\[0\]: line 1: .*plain decimal/)
          assert.match(error.message, /line 2: "foo bar" is not a `key = value` line/)
          assert.match(error.message, /line 4: `hsts_max_age` is set twice/)
          return true
        }
      )
    })
  })
})

describe('dropins/schedule: settings checks', () => {
  const audit = parseSettings({}).audit

  it('accepts the default schedule and IANA zones', () => {
    assert.doesNotThrow(() => checkDropInSettings(parseSettings({ audit: { timezone: 'Europe/Paris' } })))
    assert.doesNotThrow(() => checkAuditSchedule(audit))
  })

  it('refuses a bad cron pattern and an unknown time zone, both at once', () => {
    assert.throws(
      () => checkAuditSchedule({ ...audit, schedule: '0 3 * *', timezone: 'Mars/Olympus' }),
      (error: any) => {
        assert.equal(error.code, 10)
        assert.match(error.message, /"0 3 \* \*": dayOfWeek/)
        assert.match(error.message, /"Mars\/Olympus" is not a time zone/)
        return true
      }
    )
  })
})

/** An HSTS section with nothing to report. */
function calmHsts() {
  return { findings: [], report: fleetReport([], [], { extraCertificates: 0, warnings: [] }) }
}
