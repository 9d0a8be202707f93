import assert from 'node:assert/strict'
import { describeRunningJob, matchesPattern } from '../../src/services/restart/jobs'

const poolOfObject: Record<string, string> = { 'vm-1': 'pool-a', 'vm-2': 'pool-b', 'sr-b': 'pool-b' }
const poolOf = (id: string) => poolOfObject[id]

function reach(job: Record<string, unknown>, poolId = 'pool-a') {
  const { pools, concernsPool } = describeRunningJob({ id: 'job', runId: 'run', ...job }, poolId, poolOf)
  return { pools, concernsPool }
}

describe('restart: the pools a running XO job touches', () => {
  it('a VM backup touches the pools of its listed VMs', () => {
    assert.deepEqual(reach({ type: 'backup', vms: { id: { __or: ['vm-1', 'vm-2'] } } }), { pools: ['pool-a', 'pool-b'], concernsPool: true })
    assert.deepEqual(reach({ type: 'backup', vms: { id: 'vm-2' } }), { pools: ['pool-b'], concernsPool: false })
  })

  it('a replication also touches the pool of its target SR', () => {
    assert.deepEqual(reach({ type: 'backup', vms: { id: 'vm-1' }, srs: { id: 'sr-b' } }, 'pool-b'), {
      pools: ['pool-a', 'pool-b'],
      concernsPool: true,
    })
  })

  it('a smart-mode backup is judged by its pool filter, and may touch any pool without one', () => {
    assert.deepEqual(reach({ type: 'backup', vms: { type: 'VM', $pool: { __or: ['pool-a'] } } }), { pools: ['pool-a'], concernsPool: true })
    assert.deepEqual(reach({ type: 'backup', vms: { type: 'VM', $pool: { __not: 'pool-a' } } }), { pools: [], concernsPool: false })
    assert.deepEqual(reach({ type: 'backup', vms: { type: 'VM', tags: ['prod'] } }), { pools: undefined, concernsPool: true })
  })

  it('a metadata backup touches the pools it lists; a mirror backup none', () => {
    assert.deepEqual(reach({ type: 'metadataBackup', pools: { id: 'pool-a' } }), { pools: ['pool-a'], concernsPool: true })
    assert.deepEqual(reach({ type: 'metadataBackup', pools: { id: 'pool-b' } }), { pools: ['pool-b'], concernsPool: false })
    assert.deepEqual(reach({ type: 'mirrorBackup', sourceRemote: 'r1' }), { pools: [], concernsPool: false })
  })
})

describe('restart: value-matcher patterns', () => {
  it('matches values, alternatives, conjunctions and negations, three-valued', () => {
    assert.equal(matchesPattern('a', 'a'), true)
    assert.equal(matchesPattern({ __or: ['b', 'a'] }, 'a'), true)
    assert.equal(matchesPattern({ __and: ['a', { __not: 'b' }] }, 'a'), true)
    assert.equal(matchesPattern({ __not: { __or: ['a'] } }, 'a'), false)
    assert.equal(matchesPattern({ __or: [{ weird: 1 }, 'a'] }, 'a'), true)
    assert.equal(matchesPattern({ __or: [{ weird: 1 }, 'b'] }, 'a'), undefined)
    assert.equal(matchesPattern({ __and: [{ weird: 1 }, 'b'] }, 'a'), false)
    assert.equal(matchesPattern(42, 'a'), undefined)
  })
})
