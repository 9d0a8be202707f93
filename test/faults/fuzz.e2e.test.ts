// Issue 11: generated params for every API method, the worst inputs among them, through xo-server's
// params pipeline (the harness) into the built plugin, against a lab pool. Every call must end with an
// XO error or a valid result, never a crash or a stalled event loop (> 50 ms), and nothing may be
// written on the hosts: change methods get unknown targets, or the real pool with an invalid key.
// Seeded: a failure prints FUZZ_SEED to replay it. FUZZ_RUNS=100000 runs more (default 2,000).
import assert from 'node:assert/strict'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import fc from 'fast-check'
import { dropInMethods } from '../../src/api/dropins'
import { hostMethods } from '../../src/api/hosts'
import { hstsMethods } from '../../src/api/hsts'
import { restartMethods } from '../../src/api/restart'
import { rolloutMethods } from '../../src/api/rollout'
import type { MethodTable } from '../../src/api/define'
import type { Harness } from '../harness'
import type { Lab, LabPool } from '../lab'
import { runOverOpenSsh } from '../lab/openssh'
import { agentStartTimes, restartedSince } from '../support/lab-xapi'
import { startPluginLab, type PluginLab } from '../support/plugin-lab'

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000)
const SEED = process.env.FUZZ_SEED === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.FUZZ_SEED)
const MAX_STALL_MS = 50
const READ_ONLY = new Set(['keys', 'getHost', 'audit', 'getPublicKey', 'history', 'plan', 'preflightRestart', 'checkHsts'])
const XO_ERROR_CODES = new Set([1, 2, 5, 10, 21, 25])

/** Every method with its declared params, from the definitions themselves (handlers are never called here). */
function declaredMethods(): Array<[string, string[]]> {
  const none = {} as never
  const table: MethodTable = { ...hostMethods(none), ...dropInMethods(none), ...restartMethods(none), ...hstsMethods(none, none), ...rolloutMethods(none) }
  return Object.entries(table).map(([name, definition]) => [name, Object.keys(definition.params)])
}

const MB = 1 << 20
const worstStrings = ['k'.repeat(MB), '"a='.repeat(70_000), `${' '.repeat(100_000)}x`, '__proto__', 'constructor', 'é'.repeat(200), '../xapi.conf', 'a\0b', '']
const deep = Array.from({ length: 64 }).reduce<unknown>(inner => ({ inner }), 'leaf')

function valueArbitrary(ids: string[]): fc.Arbitrary<unknown> {
  const leaf = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom(...worstStrings, ...ids)
  )
  return fc.oneof(
    { weight: 6, arbitrary: leaf },
    { weight: 1, arbitrary: fc.array(leaf, { maxLength: 4 }) },
    { weight: 2, arbitrary: fc.dictionary(fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom(...worstStrings)), leaf, { maxKeys: 4 }) },
    { weight: 1, arbitrary: fc.constant(deep) }
  )
}

describe('faults: generated params for every method (fuzz)', function () {
  this.timeout(120_000 + RUNS * 100)
  let fleet: PluginLab
  let lab: Lab
  let harness: Harness
  let pool: LabPool

  before(async function () {
    fleet = await startPluginLab({ pools: 1, hostsPerPool: 2 })
    ;({ lab, harness } = fleet)
    pool = lab.pools[0]
  })

  after(async function () {
    await fleet?.stop()
  })

  function snapshot(): Promise<string[]> {
    const digest = `cd /etc/xapi.conf.d && for f in $(ls -A); do printf '%s %s\\n' "$f" "$(sha256sum < "$f")"; done; ls -A /etc | grep 'xapi.conf'`
    return Promise.all(pool.hosts.map(async host => (await runOverOpenSsh(host, lab.knownHostsPath, digest)).stdout))
  }

  /** The longest event-loop stall during the call, and how it ended. */
  async function measuredCall(method: string, params: Record<string, unknown>): Promise<{ stallMs: number; error?: any }> {
    const histogram = monitorEventLoopDelay({ resolution: 5 })
    histogram.enable()
    let error: any
    try {
      await harness.call(`xapiConfig.${method}`, params)
    } catch (caught) {
      error = caught ?? new Error('rejected with nothing')
    }
    await new Promise(resolve => setTimeout(resolve, 6)) // one timer phase after the call, so a stall is sampled
    histogram.disable()
    return { stallMs: histogram.max / 1e6, error }
  }

  it(`${RUNS} generated calls: an XO error or a valid result, nothing written, the event loop never stalled`, async function () {
    const methods = declaredMethods()
    const ids = [pool.uuid, ...pool.hosts.map(host => host.uuid)]
    const unknownIds = ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']
    const files = await snapshot()
    const agents = await agentStartTimes(lab, pool)

    const anyCall = fc
      .constantFrom(...methods)
      .chain(([method, declared]) =>
        fc.record({
          method: fc.constant(method),
          params: fc.dictionary(fc.constantFrom(...declared, ...declared, 'extra', '__proto__', 'constructor'), valueArbitrary(READ_ONLY.has(method) ? ids : unknownIds), {
            maxKeys: declared.length + 1,
          }),
        })
      )
    // The real pool with settings that always hold a key the catalog does not know: refused, never written.
    const invalidChange = fc.record({
      method: fc.constantFrom('apply', 'plan'),
      params: fc.record({
        pool: fc.constant(pool.uuid),
        settings: fc
          .dictionary(fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('pending_task_timeout', 'hsts_max_age', ...worstStrings)), valueArbitrary([]), { maxKeys: 4 })
          .map(settings => ({ ...settings, 'zz-fuzz-unknown-key': '1' })),
        file: fc.option(fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom(...worstStrings)), { nil: undefined }),
        expert: fc.option(fc.boolean(), { nil: undefined }),
        restart: fc.option(fc.boolean(), { nil: undefined }),
      }),
    })

    const property = fc.asyncProperty(fc.oneof({ weight: 4, arbitrary: anyCall }, { weight: 1, arbitrary: invalidChange }), async ({ method, params }) => {
      let { stallMs, error } = await measuredCall(method, params as Record<string, unknown>)
      for (let retry = 0; retry < 2 && stallMs > MAX_STALL_MS; retry++) {
        stallMs = Math.min(stallMs, (await measuredCall(method, params as Record<string, unknown>)).stallMs) // a GC pause is not a quadratic input
      }
      assert.ok(stallMs <= MAX_STALL_MS, `${method}: the event loop stalled ${stallMs.toFixed(1)} ms`)
      if (error !== undefined) {
        assert.ok(XO_ERROR_CODES.has(error.code), `${method}: not a clear XO error: ${error.code} ${String(error.message).slice(0, 200)}`)
        assert.ok(JSON.stringify({ message: error.message, data: error.data }).length < 16_384, `${method}: the error echoes the input`)
      } else {
        assert.ok(READ_ONLY.has(method), `${method} succeeded with generated params: ${JSON.stringify(params).slice(0, 300)}`)
      }
    })

    try {
      await fc.assert(property, { numRuns: RUNS, seed: SEED })
    } catch (failure) {
      const lines = (failure as Error).message.split('\n').map(line => (line.length > 400 ? `${line.slice(0, 400)}… (${line.length} characters)` : line))
      throw new Error(`fuzz failed: replay with FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}\n${lines.join('\n')}`)
    }
    assert.deepEqual(await snapshot(), files, 'no file changed on any host')
    assert.deepEqual(restartedSince(agents, await agentStartTimes(lab, pool)), [], 'no host restarted')
  })
})
