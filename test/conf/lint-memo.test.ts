// The linter's memo: one report per distinct tree and version, never another tree's report.
import assert from 'node:assert/strict'
import { lintTreeMemo } from '../../src/conf/lint-memo'
import { lintTree, type ConfTree } from '../../src/conf'
import { treeOf } from './helpers'

describe('conf: lintTreeMemo', function () {
  const tree = () => treeOf('use-xenopsd = true\n', { 'a.conf': 'hsts_max_age = 5\n', 'b.conf': 'pending_task_timeout = 60\n' })

  it('gives trees with the same entries and bytes the same report, equal to the linter\'s', function () {
    const first = lintTreeMemo(tree(), { xapiVersion: '25.6.0' })
    assert.equal(lintTreeMemo(tree(), { xapiVersion: '25.6.0' }), first)
    assert.deepEqual(first, lintTree(tree(), { xapiVersion: '25.6.0' }))
  })

  it('lints again when a byte, a name, a kind, the directory or the version differs', function () {
    const base = tree()
    const variants: ConfTree[] = [
      treeOf('use-xenopsd = true\n', { 'a.conf': 'hsts_max_age = 6\n', 'b.conf': 'pending_task_timeout = 60\n' }),
      treeOf('use-xenopsd = true\n', { 'c.conf': 'hsts_max_age = 5\n', 'b.conf': 'pending_task_timeout = 60\n' }),
      { ...base, dropIns: base.dropIns.map(entry => (entry.name === 'a.conf' ? { ...entry, kind: 'unreadable' as const, content: undefined } : entry)) },
      { ...base, dirState: 'missing' as const, dropIns: [] },
      { ...base, main: null },
    ]
    const reference = lintTreeMemo(base, { xapiVersion: '25.6.0' })
    for (const variant of variants) {
      assert.notEqual(lintTreeMemo(variant, { xapiVersion: '25.6.0' }), reference)
      assert.deepEqual(lintTreeMemo(variant, { xapiVersion: '25.6.0' }), lintTree(variant, { xapiVersion: '25.6.0' }))
    }
    assert.notEqual(lintTreeMemo(base, { xapiVersion: '1.329.0' }), reference)
    assert.deepEqual(lintTreeMemo(base, { xapiVersion: '1.329.0' }), lintTree(base, { xapiVersion: '1.329.0' }))
  })
})
