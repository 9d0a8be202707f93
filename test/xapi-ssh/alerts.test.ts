// The scheduled audit's alerts about SSH (issue 16): a host whose SSH is enabled on a pool the settings
// want closed, and a host the plugin opened and could not put back, are WARNING findings naming the host.
import assert from 'node:assert/strict'
import { assess } from '../../src/services/alerts/findings'
import type { HostSshAudit } from '../../src/services/xapi-ssh/audit'
import type { FailedClose } from '../../src/services/xapi-ssh/records'
import { facts } from '../alerts/fixtures'

const sshRow = (label: string, enabled: boolean, shouldBeClosed: boolean): HostSshAudit => ({
  host: { id: label, label },
  enabled,
  enabledTimeout: 0,
  autoMode: false,
  consoleIdleTimeout: 0,
  openWithoutTimeout: enabled,
  shouldBeClosed,
})

describe('xapi-ssh: the scheduled audit reports SSH that differs', () => {
  it('SSH open on a pool that should be closed: a WARNING naming the host; closed hosts say nothing', () => {
    const base = facts([{ id: 'p', label: 'Pool p', hosts: [{ label: 'a', hsts: 'ok' }, { label: 'b', hsts: 'ok' }] }])
    const fleet = base.fleet as Exclude<typeof base.fleet, { error: string } | undefined>
    fleet.pools[0].ssh = [sshRow('a', true, true), sshRow('b', false, false)]
    const assessment = assess(base)
    assert.equal(assessment.status, 'WARNING')
    assert.deepEqual(
      assessment.findings.map(({ kind, subject, text }) => [kind, subject, text]),
      [['ssh-should-be-closed', 'a', 'SSH is enabled (XAPI will not close it); the settings want it closed on this pool']]
    )
  })

  it('a host not put back is a WARNING with what happened', () => {
    const base = facts([{ id: 'p', label: 'Pool p', hosts: [{ label: 'a', hsts: 'ok' }] }])
    const fleet = base.fleet as Exclude<typeof base.fleet, { error: string } | undefined>
    const failure: FailedClose = {
      host: { id: 'h', label: 'xcp-ng-1-2', poolId: 'p' },
      xapiRef: 'OpaqueRef:h',
      expected: { enabled: false, enabledTimeout: 0, autoMode: true },
      error: 'host.disable_ssh: connect ECONNREFUSED',
      at: '2026-12-04T03:00:00.000Z',
      why: 'xapiConfig.apply',
    }
    fleet.sshNotPutBack = [failure]
    const assessment = assess(base)
    assert.equal(assessment.status, 'WARNING')
    assert.deepEqual(assessment.findings.map(({ kind, subject }) => [kind, subject]), [['ssh-not-put-back', 'xcp-ng-1-2']])
    assert.match(assessment.findings[0].text, /opened for xapiConfig\.apply .* not put back: host\.disable_ssh: connect ECONNREFUSED/)
  })
})
