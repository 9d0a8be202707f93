// Every test vector of test/fixtures/xapi-conf-vectors through the built `xapi-conf lint` CLI.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { catalogEntry } from '../../src/conf'
import { vectorExpected, VECTORS_DIR, writeVectorTree } from '../support/xapi-conf-vectors'
import { mapBounded } from '../../src/util/bounded'
import { CLI, runCliAsync, type CliResult } from './helpers'

const OUTCOMES = { 0: 'starts', 1: 'exit1', 2: 'exit2' } as const

async function lintCase(id: string): Promise<CliResult> {
  const root = mkdtempSync(join(tmpdir(), 'xapi-conf-'))
  try {
    writeVectorTree(root, id)
    return await runCliAsync(['lint', '--root', root, '--json'])
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

describe('test vectors: xapi-conf lint --root CASE --json', function () {
  const cases = readdirSync(join(VECTORS_DIR, 'cases')).sort()
  const results = new Map<string, CliResult>()

  before(async function () {
    this.timeout(300_000)
    assert.ok(existsSync(CLI), `build first (npm run build): ${CLI} is missing`)
    const runs = await mapBounded(cases, 8, lintCase)
    cases.forEach((id, index) => results.set(id, runs[index]))
  })

  it('finds all 137 cases', function () {
    assert.equal(cases.length, 137)
  })

  for (const id of cases) {
    it(`case ${id}`, function () {
      const expected = vectorExpected(id)
      const result = results.get(id) as CliResult
      const report = JSON.parse(result.stdout) as { outcome: string; effective: Record<string, { value: string }> }
      assert.equal(report.outcome, OUTCOMES[expected.exit])
      assert.equal(result.status, expected.exit === 0 ? 0 : 1)
      for (const [key, value] of Object.entries(expected.effective)) {
        const actual = report.effective[key]?.value ?? catalogEntry(key)?.default
        assert.equal(actual, value, key)
      }
    })
  }
})
