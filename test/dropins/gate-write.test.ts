import assert from 'node:assert/strict'
import { writeAllOrNothing, type PlannedWrite } from '../../src/services/change-gate/write'
import { FakeHostFiles, fakeHost } from './fake-files'

const PATH = '/etc/xapi.conf.d/zz-xo-xapi-config.conf'
const hosts = ['h1', 'h2', 'h3'].map((id, index) => fakeHost(id, index === 0))

function plan(files: FakeHostFiles, after: string | null): PlannedWrite[] {
  return hosts.map(host => ({ host, path: PATH, before: files.disk(host.id).get(PATH) ?? null, after }))
}

describe('change gate: writes all or nothing', () => {
  it('writes every host and reports each as written', async () => {
    const files = new FakeHostFiles()
    const result = await writeAllOrNothing(files, plan(files, 'a = 1\n'), { limit: 2 })
    assert.equal(result.outcome, 'applied')
    assert.deepEqual(result.hosts.map(h => h.outcome), ['written', 'written', 'written'])
    for (const host of hosts) {
      assert.equal(files.disk(host.id).get(PATH), 'a = 1\n')
    }
  })

  it('reports each host whose file it deleted as removed, not written', async () => {
    const files = new FakeHostFiles()
    files.disk('h1').set(PATH, 'a = 1\n')
    files.disk('h3').set(PATH, 'a = 1\n')
    const result = await writeAllOrNothing(files, plan(files, null), { limit: 2 })
    assert.equal(result.outcome, 'applied')
    assert.deepEqual(result.hosts.map(h => h.outcome), ['removed', 'unchanged', 'removed'])
    assert.ok(hosts.every(host => !files.disk(host.id).has(PATH)))
  })

  it('restores a removed file when another host fails', async () => {
    const files = new FakeHostFiles()
    files.disk('h1').set(PATH, 'a = 1\n')
    files.disk('h2').set(PATH, 'a = 1\n')
    const writes = plan(files, null)
    files.unreachable.add('h2')
    const result = await writeAllOrNothing(files, writes, { limit: 1 })
    assert.equal(result.outcome, 'rolled-back')
    assert.equal(result.hosts[0].outcome, 'rolled-back')
    assert.equal(files.disk('h1').get(PATH), 'a = 1\n')
  })

  it('leaves hosts already in the target state untouched', async () => {
    const files = new FakeHostFiles()
    files.disk('h2').set(PATH, 'a = 1\n')
    const result = await writeAllOrNothing(files, plan(files, 'a = 1\n'), { limit: 4 })
    assert.deepEqual(result.hosts.map(h => h.outcome), ['written', 'unchanged', 'written'])
    assert.deepEqual(files.writes.map(w => w.hostId).sort(), ['h1', 'h3'])
  })

  it('restores the previous contents on written hosts when one host fails, and removes files that did not exist', async () => {
    const files = new FakeHostFiles()
    files.disk('h1').set(PATH, 'old = 1\n')
    files.full.add('h3')
    const result = await writeAllOrNothing(files, plan(files, 'a = 1\n'), { limit: 1 })
    assert.equal(result.outcome, 'rolled-back')
    assert.deepEqual(result.hosts.map(h => h.outcome), ['rolled-back', 'rolled-back', 'not-written'])
    assert.match(result.hosts[2].error!.message, /no space/)
    assert.equal(files.disk('h1').get(PATH), 'old = 1\n')
    assert.equal(files.disk('h2').has(PATH), false)
    assert.equal(files.disk('h3').has(PATH), false)
  })

  it('says so when a written host cannot be restored', async () => {
    const files = new FakeHostFiles()
    files.lostAfterWrite.add('h1')
    files.full.add('h2')
    const result = await writeAllOrNothing(files, plan(files, 'a = 1\n'), { limit: 1 })
    assert.equal(result.outcome, 'rollback-incomplete')
    assert.equal(result.hosts[0].outcome, 'rollback-failed')
    assert.match(result.hosts[0].error!.message, /connection refused/)
  })

  it('refuses a host whose file changed since it was read, and rolls the others back', async () => {
    const files = new FakeHostFiles()
    const writes = plan(files, 'a = 1\n')
    files.disk('h3').set(PATH, 'edited by hand\n')
    const result = await writeAllOrNothing(files, writes, { limit: 1 })
    assert.equal(result.outcome, 'rolled-back')
    assert.match(result.hosts[2].error!.message, /changed on the host/)
    assert.equal(files.disk('h3').get(PATH), 'edited by hand\n')
    assert.equal(files.disk('h1').has(PATH), false)
  })

  it('removes the file everywhere when `after` is null', async () => {
    const files = new FakeHostFiles()
    for (const host of hosts) {
      files.disk(host.id).set(PATH, 'a = 1\n')
    }
    const result = await writeAllOrNothing(files, plan(files, null), { limit: 3 })
    assert.equal(result.outcome, 'applied')
    assert.equal([...files.disks.values()].some(disk => disk.has(PATH)), false)
  })

  it('runs each host as a part of its own that ends with the host\'s outcome, and fails with the host', async () => {
    const files = new FakeHostFiles()
    files.disk('h2').set(PATH, 'a = 1\n')
    files.full.add('h3')
    const parts: Array<[string, string]> = []
    const eachHost = async (write: PlannedWrite, fn: () => Promise<string>) => {
      try {
        const outcome = await fn()
        parts.push([write.host.id, outcome])
        return outcome
      } catch (error) {
        parts.push([write.host.id, `failed: ${(error as Error).message}`])
        throw error
      }
    }
    const result = await writeAllOrNothing(files, plan(files, 'a = 1\n'), { limit: 1, eachHost })
    assert.equal(result.outcome, 'rolled-back')
    assert.deepEqual(parts.map(([host, outcome]) => [host, outcome.replace(/:.*/, '')]), [['h2', 'unchanged'], ['h1', 'written'], ['h3', 'failed']])
    assert.match(parts[2][1], /no space/)
  })

  it('reports progress once per host written, with the outcome of every host done so far', async () => {
    const files = new FakeHostFiles()
    const seen: string[] = []
    const onProgress = (done: number, total: number, rows: readonly { outcome?: string }[]) => {
      seen.push(`${done}/${total}:${rows.filter(row => row.outcome === 'written').length}`)
    }
    await writeAllOrNothing(files, plan(files, 'a = 1\n'), { limit: 1, onProgress })
    assert.deepEqual(seen, ['1/3:1', '2/3:2', '3/3:3'])
  })

  it('writes the next host without waiting for the previous record, and resolves only once every record is kept', async () => {
    const files = new FakeHostFiles()
    let release!: () => void
    const kept = new Promise<void>(resolve => (release = resolve))
    let settled = false
    const writing = writeAllOrNothing(files, plan(files, 'a = 1\n'), { limit: 1, onProgress: () => kept }).then(() => (settled = true))
    while (files.writes.length < 3) {
      await new Promise(resolve => setImmediate(resolve))
    }
    assert.equal(settled, false, 'not resolved while records wait for the disk')
    release()
    await writing
  })

  it('a journal that cannot be written stops the change, rolls back the hosts written, then throws its error', async () => {
    const files = new FakeHostFiles()
    const full = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' })
    const onProgress = (done: number) => (done === 1 ? Promise.reject(full) : undefined)
    await assert.rejects(writeAllOrNothing(files, plan(files, 'a = 1\n'), { limit: 1, onProgress }), /ENOSPC/)
    assert.equal([...files.disks.values()].some(disk => disk.has(PATH)), false, 'every host as before')
  })
})
