// Issue 11, item 5: no input keeps the event loop busy for more than 50 ms, whichever way it comes in:
// through xo-server's params pipeline (the harness, the built plugin), or straight into the plugin's own
// checks (which the REST routes, the settings form and the drop-in service run without xo-server's schema).
// Each worst input runs three times and the shortest of its longest stalls counts, so a garbage
// collection on a loaded machine is not taken for a quadratic algorithm.
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { parseFile, suggestKey, validateChange } from '../../src/conf'
import { parseDesired } from '../../src/services/dropins/desired'
import { ChangeJournal, JOURNAL_FILE } from '../../src/services/dropins/journal'
import { createHarness, type Harness } from '../harness'
import { PLUGIN_ID } from '../support/plugin-lab'

const MAX_STALL_MS = 50
const MB = 1 << 20

/** The longest event-loop stall while `work` runs, in ms: the shortest of three runs. */
async function longestStall(work: () => unknown): Promise<number> {
  const stalls: number[] = []
  for (let run = 0; run < 3; run++) {
    const histogram = monitorEventLoopDelay({ resolution: 5 })
    histogram.enable()
    await new Promise(resolve => setImmediate(resolve))
    try {
      await work()
    } catch {
      // refusals are expected: only the time counts here
    }
    await new Promise(resolve => setTimeout(resolve, 15)) // let the histogram sample once after the work
    histogram.disable()
    stalls.push(histogram.max / 1e6)
  }
  return Math.min(...stalls)
}

/** Strings that made the old parser, suggestion or messages quadratic, or that are simply huge. */
const worstStrings: Array<[string, string]> = [
  ['1 MB of one letter', 'k'.repeat(MB)],
  ['200 KB of quotes', '"'.repeat(200_000)],
  ['200 KB of spaces then a letter', `${' '.repeat(200_000)}x`],
  ['200 KB of "a="', 'a='.repeat(100_000)],
  ['200 KB of " =" ', ' ='.repeat(100_000)],
  ['1 MB of "a\\\\"', 'a\\'.repeat(MB / 2)],
  ['a 64-character near-key', 'pending-task-timeoutx'.padEnd(64, 'y')],
]

describe('faults: bounded work per input (item 5)', function () {
  this.timeout(120_000)

  describe('straight into the plugin checks', () => {
    for (const [label, text] of worstStrings) {
      it(`a key, a value, a desired line and a file of ${label}`, async () => {
        const inputs: Array<[string, () => unknown]> = [
          ['key', () => validateChange({ [text]: '1' })],
          ['removed key', () => validateChange({ [text]: null })],
          ['value', () => validateChange({ 'hotfix-fingerprint': text, pending_task_timeout: text })],
          ['suggestion', () => suggestKey(text)],
          ['desired line', () => parseDesired([{ pools: [], file: 'zz.conf', settings: text, expert: true }])],
          ['desired lines', () => parseDesired([{ pools: [], file: 'zz.conf', settings: `${text.slice(0, 8000)}\n`.repeat(8), expert: true }])],
          ['file read back', () => parseFile(text)],
        ]
        for (const [what, work] of inputs) {
          const stall = await longestStall(work)
          assert.ok(stall < MAX_STALL_MS, `${what}: the event loop stalled ${stall.toFixed(1)} ms`)
        }
      })
    }

    it('256 unknown keys of catalog-like lengths', async () => {
      const keys = Object.fromEntries(Array.from({ length: 256 }, (_, index) => [`pending_task_timeot${index}`, '1']))
      const stall = await longestStall(() => validateChange(keys))
      assert.ok(stall < MAX_STALL_MS, `stalled ${stall.toFixed(1)} ms`)
    })
  })

  describe("through xo-server's params pipeline and the built plugin", () => {
    let harness: Harness
    before(async () => {
      harness = await createHarness({ email: false })
      await harness.loadPlugin(undefined, {}, { name: PLUGIN_ID })
    })
    after(() => harness?.stop())

    const calls: Array<[string, string, (text: string) => Record<string, unknown>]> = [
      ['xapiConfig.apply', 'an unknown key', text => ({ pool: 'p', settings: { [text]: '1' } })],
      ['xapiConfig.plan', 'a value', text => ({ pool: 'p', settings: { pending_task_timeout: text } })],
      ['xapiConfig.removeFile', 'a file name', text => ({ pool: 'p', file: text })],
      ['xapiConfig.revert', 'a change id', text => ({ changeId: text })],
      ['xapiConfig.getHost', 'a host id', text => ({ host: text })],
      ['plugin.configure', 'a desired line', text => ({ id: PLUGIN_ID, configuration: { desired: [{ settings: text }] } })],
    ]
    for (const [method, what, params] of calls) {
      it(`${method} with ${what} of 1 MB and of 200 KB: a short XO error, no stall`, async () => {
        for (const text of ['q'.repeat(MB), '"a='.repeat(70_000)]) {
          let error: any
          const stall = await longestStall(async () => {
            try {
              await harness.call(method, params(text))
            } catch (caught) {
              error = caught
              throw caught
            }
          })
          assert.ok(stall < MAX_STALL_MS, `stalled ${stall.toFixed(1)} ms`)
          assert.equal(typeof error?.code, 'number', String(error))
          assert.ok(JSON.stringify({ message: error.message, data: error.data }).length < 4096, 'the error quotes only a prefix')
        }
      })
    }
  })

  describe('what the plugin keeps', () => {
    let dir: string
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'bounds-journal-'))
      const host = (index: number) => ({
        host: { id: `host-${index}`, label: `host ${index}`, address: `127.0.0.${index}`, poolId: 'pool', isMaster: index === 0 },
        path: '/etc/xapi.conf.d/zz-xo-xapi-config.conf',
        before: { sha256: 'a'.repeat(64), bytes: 40, preview: 'pending_task_timeout = 3600\n' },
        after: { sha256: 'b'.repeat(64), bytes: 40, preview: 'pending_task_timeout = 3601\n' },
        outcome: 'written',
      })
      const line = (index: number) =>
        JSON.stringify({
          id: `change-${index}`, kind: 'apply', at: new Date(0).toISOString(), user: null, outcome: 'applied', file: 'zz-xo-xapi-config.conf',
          targets: { poolId: 'pool', poolLabel: 'Pool', hostIds: [] }, hosts: Array.from({ length: 20 }, (_, h) => host(h)),
        }) + '\n'
      await writeFile(join(dir, JOURNAL_FILE), Array.from({ length: 1000 }, (_, index) => line(index)).join(''))
    })
    after(() => rm(dir, { recursive: true, force: true }))

    it('a change journal of years (1,000 changes of 20 hosts, 9 MB) is read without a stall', async () => {
      const journal = new ChangeJournal(dir)
      assert.equal((await journal.history(5)).length, 5)
      const stall = await longestStall(() => journal.history(5))
      assert.ok(stall < MAX_STALL_MS, `the event loop stalled ${stall.toFixed(1)} ms`)
    })
  })
})

