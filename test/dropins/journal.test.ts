import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { appendFile, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BACKUPS_DIR } from '../../src/services/dropins/backups'
import { ChangeJournal, KEPT_CHANGES, MAX_BACKUPS, type JournalEntry } from '../../src/services/dropins/journal'

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

  it('group-commits: records made together go to disk in one batch, the newest of each change kept, each resolving once on disk', async () => {
    const journal = new ChangeJournal(dir)
    const [h1] = entry('x').hosts
    const hosts = ['h1', 'h2', 'h3'].map(id => ({ ...h1, host: { ...h1.host, id }, outcome: undefined }))
    await journal.begin(entry('g', { outcome: 'pending', hosts }))
    const doneUpTo = (last: number) => hosts.map((host, index) => (index <= last ? { ...host, outcome: 'written' as const } : host))
    const progress = hosts.map((_, last) => journal.progress(entry('g', { hosts: doneUpTo(last) })))
    const other = journal.finish(entry('other'))
    await progress[0]
    const lines = (await readFile(journal.path, 'utf8')).trim().split('\n')
    assert.equal(lines.length, 3, 'the begin record, then the newest record of g and the other change, written together')
    const afterRestart = await new ChangeJournal(dir).get('g')
    assert.equal(afterRestart?.outcome, 'interrupted')
    assert.deepEqual(afterRestart?.hosts.map(host => host.outcome), ['written', 'written', 'written'])
    await Promise.all([...progress, other])
  })

  it('is empty before the first change', async () => {
    assert.deepEqual(await new ChangeJournal(dir).history(10), [])
  })

  it('keeps file versions out of the journal: a big file grows it by a digest, history stays small, get is byte exact', async () => {
    const journal = new ChangeJournal(dir)
    const big = `# Managed by Xen Orchestra\n${'\xff'.repeat(60_000)}\n`
    const record = { ...entry('big').hosts[0], before: 'old\r\n', after: big }
    const change = entry('big', { hosts: [record, { ...record, host: { ...record.host, id: 'h2' } }] })
    await journal.begin(change)
    await journal.progress(change)
    await journal.finish(change)
    assert.ok((await stat(journal.path)).size < 8_000, `journal of ${(await stat(journal.path)).size} bytes`)
    const [listed] = await journal.history(1)
    assert.ok(JSON.stringify(listed).length < 2_000)
    assert.equal(listed.hosts[0].after?.sha256, createHash('sha256').update(Buffer.from(big, 'latin1')).digest('hex'))
    assert.equal(listed.hosts[0].after?.bytes, big.length)
    const full = await journal.get('big')
    assert.equal(full?.hosts[1].after, big)
    assert.equal(full?.hosts[1].before, 'old\r\n')
    assert.equal((await readdir(join(dir, BACKUPS_DIR))).length, 2, 'one copy per content')
  })

  it('says, for an interrupted change, which hosts were written and which one was being written', async () => {
    const journal = new ChangeJournal(dir)
    const [h1] = entry('x').hosts
    const hosts = ['h1', 'h2', 'h3'].map(id => ({ ...h1, host: { ...h1.host, id }, outcome: undefined }))
    await journal.begin(entry('crash', { outcome: 'pending', hosts }))
    await journal.progress(entry('crash', { hosts: [{ ...hosts[0], outcome: 'written' }, hosts[1], hosts[2]] }))
    const afterRestart = await new ChangeJournal(dir).get('crash')
    assert.equal(afterRestart?.outcome, 'interrupted')
    assert.deepEqual(afterRestart?.hosts.map(host => [host.host.id, host.outcome]), [
      ['h1', 'written'],
      ['h2', 'unknown'],
      ['h3', 'unknown'],
    ])
  })

  it('bounds the backups: versions of changes older than the kept ones go, and their revert says so', async () => {
    const journal = new ChangeJournal(dir)
    const [h1] = entry('x').hosts
    for (let index = 0; index <= MAX_BACKUPS; index++) {
      await journal.finish(entry(`c${index}`, { hosts: [{ ...h1, after: `pending_task_timeout = ${1000 + index}\n` }] }))
    }
    assert.ok((await readdir(join(dir, BACKUPS_DIR))).length <= KEPT_CHANGES)
    assert.equal((await journal.get(`c${MAX_BACKUPS}`))?.hosts[0].after, `pending_task_timeout = ${1000 + MAX_BACKUPS}\n`)
    await assert.rejects(journal.get('c0'), (error: any) => error.code === 25 && /no longer kept/.test(error.data.actual))
  })
})
