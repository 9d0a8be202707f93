// The rollout journal: a record per start and end, a line per pool step folded into it, `interrupted`
// for a rollout another process left running, and nothing written once closed (the plugin unloaded).
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RolloutJournal } from '../../src/services/rollout/journal'
import type { RolloutRecord } from '../../src/services/rollout/types'

describe('rollout: journal', function () {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rollout-journal-'))
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  const record = (): RolloutRecord => ({
    id: 'r1',
    kind: 'rollout',
    at: '2026-12-04T00:00:00.000Z',
    user: null,
    request: { change: { desired: true } },
    change: 'desired',
    status: 'running',
    canary: 'a',
    pools: ['a', 'b'].map((id, wave) => ({ pool: { id, label: id }, wave, state: 'not-reached' as const })),
  })

  it('folds each pool line into its rollout, and reads a rollout another process left running as interrupted', async function () {
    const journal = new RolloutJournal(dir)
    const rollout = record()
    await journal.record(rollout)
    await journal.recordPool('r1', { ...rollout.pools[0], state: 'restarted' })
    assert.deepEqual((await journal.get('r1'))?.pools.map(pool => pool.state), ['restarted', 'not-reached'])
    assert.equal((await journal.get('r1'))?.status, 'running', 'running in this process')

    const afterRestart = new RolloutJournal(dir)
    const seen = await afterRestart.get('r1')
    assert.equal(seen?.status, 'interrupted')
    assert.deepEqual(seen?.pools.map(pool => pool.state), ['restarted', 'not-reached'])
    const lines = (await readFile(journal.path, 'utf8')).trim().split('\n')
    assert.equal(lines.length, 2)
    assert.ok(lines[1].length < lines[0].length, 'a pool line holds one pool, not the whole rollout')
  })

  it('writes nothing once closed, and keeps the last whole record of a rollout', async function () {
    const journal = new RolloutJournal(dir)
    const rollout = record()
    await journal.record(rollout)
    await journal.record({ ...rollout, status: 'stopped' })
    journal.close()
    await journal.recordPool('r1', { ...rollout.pools[1], state: 'failed', reason: 'x' })
    const seen = await new RolloutJournal(dir).rollouts()
    assert.equal(seen.length, 1)
    assert.equal(seen[0].status, 'stopped')
    assert.equal(seen[0].pools[1].state, 'not-reached')
  })
})
