import assert from 'node:assert/strict'
import type { PoolCompliance } from '../../src/services/dropins/desired'
import { formatAuditReport } from '../../src/services/dropins/report'
import type { ScheduledAuditReport } from '../../src/services/dropins/schedule'

const host = (id: string) => ({ id, label: `host ${id}`, address: '127.0.0.1', poolId: 'p', isMaster: id === 'h1' })

const compliance: PoolCompliance[] = [
  {
    pool: { id: 'p', label: 'Production' },
    file: 'zz-xo-xapi-config.conf',
    desiredIndex: 0,
    hosts: [
      { host: host('h1'), ok: true, status: 'compliant', differences: [] },
      { host: host('h2'), ok: true, status: 'missing', differences: [{ key: 'pending_task_timeout', desired: '172800', actual: null }] },
      {
        host: host('h3'),
        ok: true,
        status: 'overridden',
        differences: [{ key: 'pending_task_timeout', desired: '172800', actual: '60.', from: '/etc/xapi.conf.d/zzz.conf' }],
      },
      { host: host('h4'), ok: false, error: { message: 'connection refused' } },
    ],
  },
  { pool: { id: 'q', label: 'Lab' }, file: 'zz-xo-xapi-config.conf', desiredIndex: 0, error: { message: 'no such pool q' }, hosts: [] },
]

function report(overrides: Partial<ScheduledAuditReport> = {}): ScheduledAuditReport {
  return { startedAt: '2026-11-27T03:00:00.000Z', compliance, reapplied: [], needsAttention: true, emailedTo: [], ...overrides }
}

describe('dropins/report: the audit e-mail', () => {
  it('lists only what needs attention, host by host, and says re-apply is off', () => {
    const markdown = formatAuditReport(report())
    assert.doesNotMatch(markdown, /host h1/)
    assert.match(markdown, /\*\*host h2\*\*: missing: the file is gone \(an ISO upgrade wipes \/etc\/xapi\.conf\.d\) \(`pending_task_timeout`: absent, desired 172800 \(48 h\)\)/)
    assert.match(markdown, /\*\*host h3\*\*: overridden: .*`pending_task_timeout`: 60 \(1 min\) from \/etc\/xapi\.conf\.d\/zzz\.conf, desired 172800 \(48 h\)/)
    assert.match(markdown, /\*\*host h4\*\*: not checked: connection refused/)
    assert.match(markdown, /### Lab: zz-xo-xapi-config\.conf\n\nThe pool could not be checked: no such pool q/)
    assert.match(markdown, /Automatic re-apply is off/)
  })

  it('reports what was written back, and an HSTS check that failed', () => {
    const markdown = formatAuditReport(
      report({
        reapplied: [
          {
            pool: { id: 'p', label: 'Production' },
            file: 'zz-xo-xapi-config.conf',
            hosts: ['h2'],
            result: { changeId: 'c-1', outcome: 'applied', file: 'zz-xo-xapi-config.conf', pool: { id: 'p', label: 'Production' }, hosts: [] },
          },
        ],
        hsts: { error: 'timeout' },
      })
    )
    assert.match(markdown, /## Written back\n\n- Production, zz-xo-xapi-config\.conf on 1 host\(s\): applied \(change c-1\); restart the toolstack/)
    assert.doesNotMatch(markdown, /re-apply is off/)
    assert.match(markdown, /## HSTS\n\nThe HSTS check failed: timeout/)
  })
})
