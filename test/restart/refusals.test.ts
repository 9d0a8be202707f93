import assert from 'node:assert/strict'
import * as apiErrors from 'xo-common/api-errors'
import { diagnose, summarizeFailure } from '../../src/services/restart/diagnosis'
import { PoolLocks } from '../../src/services/pool-lock'
import { AgentRestarter, defaultMode, ToolstackRestarter, type RestartHostAccess } from '../../src/services/restart/modes'
import type { FixedCommand } from '../../src/ssh'
import { buildPreflight } from '../../src/services/restart/preflight'
import { refuseBlockers, refuseRisks, reportFailure } from '../../src/services/restart/refusals'
import type { RestartReport } from '../../src/services/restart/types'
import type { Xapi } from '../../src/xo/types'
import { facts, host, threeHostPool } from './fixtures'

const { forbiddenOperation, incorrectState, operationFailed } = apiErrors as unknown as Record<string, { is(error: unknown): boolean }>

const exportTask = {
  ref: 'OpaqueRef:t',
  uuid: 't',
  name_label: '[XO] VM export',
  status: 'pending',
  progress: 0.3,
  resident_on: 'OpaqueRef:host-2',
}

function catchError(fn: () => unknown): Error & { data?: any } {
  try {
    fn()
  } catch (error) {
    return error as Error & { data?: any }
  }
  throw new Error('nothing was thrown')
}

describe('restart: refusals', () => {
  it('refuses with forbiddenOperation naming what would be lost, the preflight in its data', () => {
    const preflight = buildPreflight(facts({ xapiTasks: [exportTask] }), { mode: 'agent', modeReason: '' })
    const error = catchError(() => refuseRisks(preflight))
    assert.ok(forbiddenOperation.is(error))
    assert.equal(error.data.operation, 'restart toolstack')
    assert.match(error.data.reason, /"\[XO\] VM export" \(export\) on host-2, 30% done/)
    assert.match(error.message, /^forbidden operation: restart toolstack: .*host-2.*bypassTaskCheck=true/)
    assert.equal(error.data.preflight, preflight)
  })

  it('refuses a blocker with incorrectState, whatever it is', () => {
    const preflight = buildPreflight(facts({ pool: threeHostPool(true) }), { mode: 'agent', modeReason: '' })
    const error = catchError(() => refuseBlockers(preflight))
    assert.ok(incorrectState.is(error))
    assert.deepEqual(error.data.actual, ['haEnabled'])
    assert.match(error.message, /HA is enabled on pool pool-1/)
  })

  it('reports a stopped roll with operationFailed, saying which hosts restarted and what to do', () => {
    const report: RestartReport = {
      pool: { id: 'pool-uuid', label: 'pool-1' },
      mode: 'agent',
      ok: false,
      durationMs: 30_000,
      hosts: [
        { host: { ...host(2), poolId: 'pool-uuid' }, outcome: 'restarted', durationMs: 12_300 },
        { host: host(3), outcome: 'failed', durationMs: 20_000, error: { message: 'XAPI did not answer' }, diagnosis: { advice: ['Roll back.'] } },
        { host: host(1, true), outcome: 'notAttempted' },
      ],
    }
    const error = catchError(() => reportFailure(report))
    assert.ok(operationFailed.is(error))
    assert.equal(error.data.report, report)
    assert.match(error.message, /stopped at host-3 after 20\.0 s: XAPI did not answer\. Restarted: host-2 \(12\.3 s\)\. Not restarted: host-1\. Roll back\./)
    assert.equal(summarizeFailure(report), error.message.replace(/^operation failed: /, ''))
  })
})

describe('restart: diagnosis of a host that did not come back', () => {
  it('names the broken file and key, and how to remove it', () => {
    const { advice } = diagnose(host(3), {
      starts: false,
      exitCode: 1,
      problems: [{ file: '/etc/xapi.conf.d/bad.conf', line: 2, key: 'hsts_max_age', message: 'not an int' }],
    })
    assert.match(advice[0], /cannot start \(exit 1\): \/etc\/xapi\.conf\.d\/bad\.conf line 2, key hsts_max_age: not an int/)
    assert.match(advice[1], /xapiConfig\.removeFile hosts=json:'\["host-3-uuid"\]' file=bad\.conf/)
  })

  it('says when the files look fine or could not be read', () => {
    assert.match(diagnose(host(3), { starts: true, problems: [] }).advice[0], /predict a normal start/)
    assert.match(diagnose(host(3), undefined, 'connection refused').advice[0], /could not be read \(connection refused\)/)
  })
})

describe('restart: one restart per pool', () => {
  it('refuses a second restart of a pool until the first releases it', () => {
    const locks = new PoolLocks()
    const release = locks.acquire('pool-a', { kind: 'restart', by: 'admin@example.org', startedAt: 0, reason: 'restart requested' })
    const error = catchError(() => locks.acquire('pool-a', { kind: 'restart', startedAt: 1, reason: 'again' }))
    assert.ok(incorrectState.is(error))
    assert.match(error.message, /running since 1970-01-01T00:00:00\.000Z by admin@example\.org/)
    locks.acquire('pool-b', { kind: 'restart', startedAt: 1, reason: 'other pool' })
    release()
    assert.equal(locks.holder('pool-a'), undefined)
    locks.acquire('pool-a', { kind: 'restart', startedAt: 2, reason: 'after' })
  })
})

describe('restart: modes', () => {
  function access(results: Array<{ exitCode: number | null }>, commands: FixedCommand[] = [], unavailable?: string): RestartHostAccess {
    return {
      unavailableReason: () => unavailable,
      run: async (_host, command) => {
        commands.push(command)
        return { stdout: '', stderr: 'Exiting: cannot lock /dev/shm/xe_toolstack_restart.lock', ...results.shift()! }
      },
      predictStartup: async () => ({ starts: true, problems: [] }),
    }
  }

  it('toolstack mode runs the script, then waits for init-complete with the seconds left', async () => {
    const commands: FixedCommand[] = []
    await new ToolstackRestarter(access([{ exitCode: 0 }, { exitCode: 0 }], commands)).restart(host(2), Date.now() + 30_500)
    assert.equal(commands[0].kind, 'toolstack-restart')
    assert.equal(commands[1].kind, 'wait-init-complete')
    const seconds = (commands[1] as { seconds: number }).seconds
    assert.ok(seconds === 30 || seconds === 29, `waited ${seconds} s`)
  })

  it('toolstack mode fails with the script output, or when init does not complete', async () => {
    await assert.rejects(new ToolstackRestarter(access([{ exitCode: 1 }])).restart(host(2), Date.now() + 5000), /exited with 1: Exiting: cannot lock/)
    await assert.rejects(new ToolstackRestarter(access([{ exitCode: 0 }, { exitCode: 1 }])).restart(host(2), Date.now() + 5000), /did not finish starting/)
  })

  it('agent mode calls host.restart_agent with the host ref', async () => {
    const calls: unknown[][] = []
    const xapi = { call: async (...args: unknown[]) => void calls.push(args) } as unknown as Xapi
    await new AgentRestarter(xapi).restart(host(2))
    assert.deepEqual(calls, [['host.restart_agent', 'OpaqueRef:host-2']])
  })

  it('defaults to toolstack with SSH access and to agent without', () => {
    assert.equal(defaultMode(access([])).mode, 'toolstack')
    const without = defaultMode(access([], [], 'SSH access is not configured'))
    assert.equal(without.mode, 'agent')
    assert.match(without.reason, /not configured/)
  })
})
