import assert from 'node:assert/strict'
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ChangeJournal, type JournalEntry } from '../../src/services/dropins/journal'

function entry(id: string, overrides: Partial<JournalEntry> = {}): JournalEntry {
  return {
    id,
    kind: 'apply',
    at: new Date().toISOString(),
    user: { id: 'admin-id', name: 'admin@example.org' },
    targets: { poolId: 'pool-1', poolLabel: 'Pool 1', hostIds: ['h1'] },
    file: 'zz-xo-xapi-config.conf',
    outcome: 'applied',
    hosts: [
      {
        host: { id: 'h1', label: 'host 1', address: '127.0.0.1', poolId: 'pool-1', isMaster: true },
        path: '/etc/xapi.conf.d/zz-xo-xapi-config.conf',
        before: null,
        after: 'pending_task_timeout = 172800\n',
        outcome: 'written',
      },
    ],
    ...overrides,
  }
}

describe('dropins/journal', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'journal-'))
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  it('keeps the last record of each change, oldest change first, and lists history newest first', async () => {
    const journal = new ChangeJournal(dir)
    await journal.begin(entry('a'))
    await journal.finish(entry('a', { outcome: 'rolled-back' }))
    await journal.begin(entry('b'))
    await journal.finish(entry('b'))
    assert.deepEqual(
      (await journal.entries()).map(e => [e.id, e.outcome]),
      [
        ['a', 'rolled-back'],
        ['b', 'applied'],
      ]
    )
    assert.deepEqual(
      (await journal.history(1)).map(e => e.id),
      ['b']
    )
    assert.equal((await journal.get('a'))?.hosts[0].after, 'pending_task_timeout = 172800\n')
  })

  it('shows a change whose process died before it finished as interrupted', async () => {
    await new ChangeJournal(dir).begin(entry('lost'))
    const afterRestart = new ChangeJournal(dir)
    assert.equal((await afterRestart.get('lost'))?.outcome, 'interrupted')
  })

  it('shows a running change as pending', async () => {
    const journal = new ChangeJournal(dir)
    await journal.begin(entry('running'))
    assert.equal((await journal.get('running'))?.outcome, 'pending')
  })

  it('survives a torn last line: earlier entries stay, the next one is readable', async () => {
    const journal = new ChangeJournal(dir)
    await journal.finish(entry('before-crash'))
    await appendFile(journal.path, '{"id":"torn","hos')
    await journal.finish(entry('after-crash'))
    assert.deepEqual(
      (await journal.entries()).map(e => e.id),
      ['before-crash', 'after-crash']
    )
    const lines = (await readFile(journal.path, 'utf8')).split('\n')
    assert.equal(lines.length, 4) // two entries, the torn line, the final newline
  })

  it('serialises concurrent appends into whole lines', async () => {
    const journal = new ChangeJournal(dir)
    await Promise.all(Array.from({ length: 20 }, (_, i) => journal.finish(entry(`c${i}`))))
    assert.equal((await journal.entries()).length, 20)
  })

  it('is empty before the first change', async () => {
    assert.deepEqual(await new ChangeJournal(dir).history(10), [])
  })
})
