// Every test vector of ../shared/test-vectors/xapi-conf through the built `xapi-conf lint` CLI.
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'

import { catalogEntry } from '../../src/conf'
import { buildTree, CLI, mapWithLimit, runCliAsync, type CliResult, type TreeItem } from './helpers'

const VECTORS = resolve(__dirname, '../../../shared/test-vectors/xapi-conf')

interface ManifestItem {
  path: string
  type: 'file' | 'dir' | 'symlink'
  content_b64?: string
  target?: string
}

interface Expected {
  exit: 0 | 1 | 2
  stderr: string
  effective: Record<string, string>
}

const OUTCOMES = { 0: 'starts', 1: 'exit1', 2: 'exit2' } as const

function treeItems(manifest: { root: ManifestItem[] }): TreeItem[] {
  return manifest.root.map(item => {
    if (item.type === 'dir') return { path: item.path, type: 'dir' }
    if (item.type === 'symlink') return { path: item.path, type: 'symlink', target: item.target as string }
    return { path: item.path, type: 'file', content: Buffer.from(item.content_b64 ?? '', 'base64') }
  })
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T

async function lintCase(caseDir: string): Promise<CliResult> {
  const root = buildTree(treeItems(readJson(join(caseDir, 'manifest.json'))))
  try {
    return await runCliAsync(['lint', '--root', root, '--json'])
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

describe('test vectors: xapi-conf lint --root CASE --json', function () {
  const cases = readdirSync(join(VECTORS, 'cases')).sort()
  const results = new Map<string, CliResult>()

  before(async function () {
    this.timeout(300_000)
    assert.ok(existsSync(CLI), `build first (npm run build): ${CLI} is missing`)
    const runs = await mapWithLimit(cases, 8, id => lintCase(join(VECTORS, 'cases', id)))
    cases.forEach((id, index) => results.set(id, runs[index]))
  })

  it('finds all 137 cases', function () {
    assert.equal(cases.length, 137)
  })

  for (const id of cases) {
    it(`case ${id}`, function () {
      const expected = readJson<Expected>(join(VECTORS, 'cases', id, 'expected.json'))
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
