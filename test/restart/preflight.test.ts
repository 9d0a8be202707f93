import assert from 'node:assert/strict'
import { buildPreflight, describeRisks, parseXapiDate, type VmRecord, type XapiTaskRecord } from '../../src/services/restart/preflight'
import type { RunningJob } from '../../src/services/restart/types'
import { facts, host, threeHostPool } from './fixtures'

const choices = { mode: 'agent' as const, modeReason: 'test' }

function task(name: string, hostIndex: number, fields: Partial<XapiTaskRecord> = {}): XapiTaskRecord {
  return {
    ref: `OpaqueRef:task-${name}-${hostIndex}`,
    uuid: `task-${name}-${hostIndex}-uuid`,
    name_label: name,
    status: 'pending',
    progress: 0.42,
    created: '20261127T04:55:00Z',
    resident_on: `OpaqueRef:host-${hostIndex}`,
    ...fields,
  }
}

describe('restart: preflight', () => {
  it('a member restart puts only the tasks resident on that member at risk', () => {
    const pool = threeHostPool()
    const preflight = buildPreflight(
      facts({
        hosts: [pool.hosts[1]],
        xapiTasks: [task('[XO] VM export', 2), task('[XO] VM import', 1), task('VM.export', 2, { status: 'success' })],
      }),
      choices
    )
    assert.deepEqual(
      preflight.tasksAtRisk.map(risk => [risk.name, risk.host?.label]),
      [['[XO] VM export', 'host-2']]
    )
    assert.match(preflight.tasksAtRisk[0].why, /host-2, which restarts/)
    assert.equal(preflight.needsBypass, true)
    assert.equal(preflight.canRestart, true)
  })

  it('a restart that includes the master puts every live task of the pool at risk', () => {
    const preflight = buildPreflight(
      facts({ xapiTasks: [task('[XO] VM import', 3), task('Async.VM.migrate_send', 2, { status: 'cancelling' }), task('VM.export', 2, { status: 'failure' })] }),
      choices
    )
    assert.deepEqual(
      preflight.tasksAtRisk.map(risk => [risk.name, risk.kind, risk.host?.label]),
      [
        ['[XO] VM import', 'import', 'host-3'],
        ['Async.VM.migrate_send', 'migration', 'host-2'],
      ]
    )
    for (const risk of preflight.tasksAtRisk) {
      assert.match(risk.why, /master \(host-1\) restarts/)
    }
  })

  it('gives each task its progress, creation date and age', () => {
    const [risk] = buildPreflight(facts({ xapiTasks: [task('[XO] VM export', 2)] }), choices).tasksAtRisk
    assert.equal(risk.progress, 0.42)
    assert.equal(risk.createdAt, '2026-11-27T04:55:00.000Z')
    assert.equal(risk.ageSeconds, 300)
    assert.equal(risk.uuid, 'task-[XO] VM export-2-uuid')
  })

  it('lists routine calls without refusing for them', () => {
    const preflight = buildPreflight(facts({ xapiTasks: [task('SR.scan', 1)] }), choices)
    assert.equal(preflight.tasksAtRisk.length, 1)
    assert.equal(preflight.tasksAtRisk[0].blocking, false)
    assert.equal(preflight.needsBypass, false)
    assert.match(preflight.warnings.join(), /1 routine task/)
  })

  it('finds VM transfers from current_operations, by the task host or the VM host', () => {
    const pool = threeHostPool()
    const vms: VmRecord[] = [
      { id: 'vm-a', label: 'vm-a', residentOn: 'OpaqueRef:host-1', currentOperations: { 'OpaqueRef:t1': 'export' } },
      { id: 'vm-b', label: 'vm-b', residentOn: 'OpaqueRef:host-3', currentOperations: { 'OpaqueRef:t2': 'migrate_send' } },
      { id: 'vm-c', label: 'vm-c', residentOn: 'OpaqueRef:host-3', currentOperations: { 'OpaqueRef:t3': 'clean_shutdown' } },
    ]
    const xapiTasks = [task('VM.export', 3, { ref: 'OpaqueRef:t1' })]
    const preflight = buildPreflight(facts({ hosts: [pool.hosts[2]], vms, xapiTasks }), choices)
    assert.deepEqual(
      preflight.vmTransfers.map(transfer => [transfer.vm.label, transfer.operation, transfer.kind, transfer.host?.label]),
      [
        ['vm-a', 'export', 'export', 'host-3'],
        ['vm-b', 'migrate_send', 'migration', 'host-3'],
      ]
    )
  })

  it('needs a bypass for a running XO job or a pending XO task of the pool, not for a job elsewhere', () => {
    const job = (concernsPool: boolean): RunningJob => ({ id: 'j', type: 'backup', runId: 'r', concernsPool, why: '' })
    assert.equal(buildPreflight(facts({ jobs: [job(false)] }), choices).needsBypass, false)
    assert.equal(buildPreflight(facts({ jobs: [job(true)] }), choices).needsBypass, true)
    const xoTask = { id: 't', name: 'pool.rolling_update', startedAt: '2026-11-27T04:00:00.000Z', why: '' }
    assert.equal(buildPreflight(facts({ xoTasks: [xoTask] }), choices).needsBypass, true)
  })

  it('blocks on HA, on a host whose files would stop XAPI, on an unreachable host and on a running restart', () => {
    const prediction = {
      starts: false,
      exitCode: 1,
      problems: [{ file: '/etc/xapi.conf.d/bad.conf', line: 1, key: 'hsts_max_age', message: "'1y' is not an int" }],
    }
    const preflight = buildPreflight(
      facts({
        pool: threeHostPool(true),
        hostChecks: new Map([
          ['host-2-uuid', { reachable: true, prediction }],
          ['host-3-uuid', { reachable: false, error: 'connection refused' }],
        ]),
        runningRestart: 'a toolstack restart is running',
      }),
      choices
    )
    assert.deepEqual(
      preflight.blockers.map(blocker => [blocker.code, blocker.host?.label]),
      [
        ['haEnabled', undefined],
        ['restartRunning', undefined],
        ['configWouldNotStart', 'host-2'],
        ['unreachable', 'host-3'],
      ]
    )
    assert.match(preflight.blockers[2].message, /\/etc\/xapi\.conf\.d\/bad\.conf line 1, key hsts_max_age/)
    assert.match(preflight.blockers[2].message, /exit with code 1/)
    assert.equal(preflight.canRestart, false)
  })

  it('orders members first by name and the master last, or the master first on request', () => {
    const pool = { ...threeHostPool(), hosts: [host(1, true), host(3), host(2)] }
    assert.deepEqual(buildPreflight(facts({ pool }), choices).order.map(h => h.label), ['host-2', 'host-3', 'host-1'])
    assert.deepEqual(
      buildPreflight(facts({ pool }), { ...choices, masterFirst: true }).order.map(h => h.label),
      ['host-1', 'host-2', 'host-3']
    )
  })

  it('orders the members of a 20-host pool by a natural sort of their names (1-2 before 1-10), the master last', () => {
    const named = (index: number, isMaster = false) => ({ ...host(index, isMaster), label: `xcp-ng-1-${index}` })
    const hosts = [named(1, true), ...Array.from({ length: 19 }, (_, i) => named(i + 2)).reverse()]
    const pool = { ...threeHostPool(), hosts }
    const order = buildPreflight(facts({ pool }), choices).order.map(h => h.label)
    assert.deepEqual(order, [...Array.from({ length: 19 }, (_, i) => `xcp-ng-1-${i + 2}`), 'xcp-ng-1-1'])
  })

  it('warns that a disabled host is waited for without being enabled', () => {
    const pool = { ...threeHostPool(), hosts: [host(1, true), host(2, false, false)] }
    assert.match(buildPreflight(facts({ pool }), choices).warnings.join(), /host-2 is disabled/)
  })

  it('describes each risk with its name, host and progress', () => {
    const preflight = buildPreflight(facts({ xapiTasks: [task('[XO] VM export', 2)] }), choices)
    assert.deepEqual(describeRisks(preflight), ['XAPI task "[XO] VM export" (export) on host-2, 42% done, started 5 min ago'])
  })
})

describe('restart: XAPI dates', () => {
  it('reads XAPI datetimes and ISO dates, and treats the epoch as no date', () => {
    assert.equal(parseXapiDate('20260821T10:00:00Z'), Date.UTC(2026, 7, 21, 10))
    assert.equal(parseXapiDate('20260821T100000Z'), Date.UTC(2026, 7, 21, 10))
    assert.equal(parseXapiDate('2026-08-21T10:00:00.000Z'), Date.UTC(2026, 7, 21, 10))
    assert.equal(parseXapiDate('19700101T00:00:00Z'), undefined)
    assert.equal(parseXapiDate('soon'), undefined)
    assert.equal(parseXapiDate(undefined), undefined)
  })
})
