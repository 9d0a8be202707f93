// The lab's XAPI configuration reader against the shared test vectors, which were produced by
// running XAPI's own reading code on each file tree.
import * as assert from 'node:assert/strict'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

import { stringOfFloat } from '../ocaml'
import { type ConfValue, readXapiConfig } from './read-config'

const VECTORS = path.resolve(__dirname, '../../../../../shared/test-vectors/xapi-conf')

interface ManifestEntry {
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

function buildTree(root: string, entries: ManifestEntry[]): void {
  for (const entry of entries) {
    const target = path.join(root, entry.path)
    if (entry.type === 'dir') fs.mkdirSync(target, { recursive: true })
    else if (entry.type === 'symlink') fs.symlinkSync(entry.target!, target)
    else fs.writeFileSync(target, Buffer.from(entry.content_b64 ?? '', 'base64'))
  }
}

const UNORDERED_SETS = new Set(['disable-logging-for'])
const JOINED_BY_COLON = new Set(['search-path'])

// The vectors' printing conventions (see their README).
function printed(key: string, value: ConfValue): string {
  const utf8 = (text: string) => Buffer.from(text, 'latin1').toString('utf8')
  if (typeof value === 'bigint') return String(value)
  if (typeof value === 'number') return stringOfFloat(value)
  if (typeof value === 'boolean') return String(value)
  if (typeof value === 'string') return utf8(value)
  const words = UNORDERED_SETS.has(key) ? [...value].sort() : value
  return utf8(words.join(JOINED_BY_COLON.has(key) ? ':' : ' '))
}

// A JS NaN has no observable sign; XAPI treats `nan` and `-nan` alike (every comparison is false).
const normalised = (text: string) => (text === '-nan' ? 'nan' : text)

describe('lab XAPI configuration reader (shared test vectors)', () => {
  const index: Array<{ id: string; what: string }> = JSON.parse(fs.readFileSync(path.join(VECTORS, 'index.json'), 'utf8'))
  let scratch: string

  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-conf-vectors-'))
  })
  after(() => fs.rmSync(scratch, { recursive: true, force: true }))

  it('covers every vector', () => assert.equal(index.length, 137))

  for (const { id, what } of index) {
    it(`${id}: ${what}`, () => {
      const caseDir = path.join(VECTORS, 'cases', id)
      const manifest: { root: ManifestEntry[] } = JSON.parse(fs.readFileSync(path.join(caseDir, 'manifest.json'), 'utf8'))
      const expected: Expected = JSON.parse(fs.readFileSync(path.join(caseDir, 'expected.json'), 'utf8'))
      const root = path.join(scratch, id)
      buildTree(root, manifest.root)

      const outcome = readXapiConfig({ etcDir: path.join(root, 'etc'), xapiVersion: [26, 1, 3] })

      if (!outcome.started) {
        assert.deepEqual({ exit: outcome.exitCode, stderr: outcome.stderr }, { exit: expected.exit, stderr: expected.stderr })
        return
      }
      assert.equal(expected.exit, 0, `XAPI exits ${expected.exit} (${expected.stderr.trim()}) but the lab started`)
      for (const [key, value] of Object.entries(expected.effective)) {
        assert.ok(outcome.values.has(key), `no effective value for ${key}`)
        assert.equal(normalised(printed(key, outcome.values.get(key)!)), normalised(value), key)
      }
    })
  }
})
