// The built `xapi-conf` CLI: exit codes, output formats, and the local tree reader under it.
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'

import { readLocalTree } from '../../src/conf'
import { buildTree, runCli, type TreeItem } from './helpers'

const roots: string[] = []
function tree(items: TreeItem[]): string {
  const root = buildTree(items)
  roots.push(root)
  return root
}

const file = (path: string, content: string): TreeItem => ({ path, type: 'file', content })

describe('xapi-conf CLI', function () {
  after(function () {
    for (const root of roots) rmSync(root, { recursive: true, force: true })
  })

  it('lint: hsts_max_age = 1y exits 1 and names the key and the file', function () {
    const root = tree([file('etc/xapi.conf', 'pending_task_timeout = 172800\n'), file('etc/xapi.conf.d/hsts.conf', 'hsts_max_age = 1y\n')])
    const text = runCli(['lint', '--root', root])
    assert.equal(text.status, 1)
    assert.match(text.stdout, /error: \/etc\/xapi\.conf\.d\/hsts\.conf:1: hsts_max_age = "1y" is not an integer.*\[invalid-int\]/)
    assert.match(text.stdout, /XAPI would NOT start: it exits with status 1\./)
    const json = runCli(['lint', '--root', root, '--json'])
    assert.equal(json.status, 1)
    const report = JSON.parse(json.stdout)
    assert.equal(report.outcome, 'exit1')
    assert.deepEqual(report.problems[0], {
      severity: 'error',
      code: 'invalid-int',
      file: '/etc/xapi.conf.d/hsts.conf',
      line: 1,
      key: 'hsts_max_age',
      message: report.problems[0].message,
    })
    assert.deepEqual(report.effective.pending_task_timeout, { value: '172800.', file: '/etc/xapi.conf', line: 1 })
  })

  it('lint: a subdirectory in xapi.conf.d predicts exit 2', function () {
    const root = tree([file('etc/xapi.conf', 'hsts_max_age = 1\n'), file('etc/xapi.conf.d/backup/10.conf', 'hsts_max_age = 2\n')])
    const result = runCli(['lint', '--root', root, '--json'])
    assert.equal(result.status, 1)
    const report = JSON.parse(result.stdout)
    assert.equal(report.outcome, 'exit2')
    assert.deepEqual(
      report.problems.filter((problem: { severity: string }) => problem.severity === 'error').map((problem: { code: string; file: string }) => [problem.code, problem.file]),
      [['entry-is-directory', '/etc/xapi.conf.d/backup']]
    )
  })

  it('lint: exits 0 when XAPI would start, even with warnings', function () {
    const root = tree([file('etc/xapi.conf.d/zz.conf', 'pending-task-timeout = 5\n')])
    const result = runCli(['lint', '--root', root])
    assert.equal(result.status, 0)
    assert.match(result.stdout, /Did you mean pending_task_timeout\?/)
    assert.match(result.stdout, /XAPI would start\./)
  })

  it('lint --xapi-version: a key the version does not read is ignored', function () {
    const root = tree([file('etc/xapi.conf.d/hsts.conf', 'hsts_max_age = 1y\n')])
    const result = runCli(['lint', '--root', root, '--xapi-version', '1.249.41', '--json'])
    assert.equal(result.status, 0)
    const codes = JSON.parse(result.stdout).problems.map((problem: { code: string }) => problem.code)
    assert.deepEqual(codes, ['no-main-config', 'unknown-to-version'])
  })

  it('effective: values as XAPI holds them, with their source and shadowed assignments', function () {
    const root = tree([
      file('etc/xapi.conf', 'pending_task_timeout = 86400\nsm-plugins = ext nfs\n'),
      file('etc/xapi.conf.d/zz-xo-xapi-config.conf', 'pending_task_timeout = 172800\n'),
    ])
    const json = runCli(['effective', '--root', root, '--json'])
    assert.equal(json.status, 0)
    const output = JSON.parse(json.stdout)
    assert.equal(output.outcome, 'starts')
    assert.deepEqual(output.effective.pending_task_timeout, {
      value: '172800.',
      file: '/etc/xapi.conf.d/zz-xo-xapi-config.conf',
      line: 1,
      shadowed: [{ key: 'pending_task_timeout', value: '86400', file: '/etc/xapi.conf', line: 1 }],
    })
    assert.equal(output.effective['sm-plugins'].value, 'ext nfs')
    const text = runCli(['effective', '--root', root])
    assert.match(text.stdout, /^pending_task_timeout = "172800\."  \(\/etc\/xapi\.conf\.d\/zz-xo-xapi-config\.conf:1\)$/m)
  })

  const usageErrors: [string, string[]][] = [
    ['no command', []],
    ['an unknown command', ['check']],
    ['an unknown option', ['lint', '--verbose']],
    ['an extra argument', ['lint', 'extra']],
    ['a bad version', ['lint', '--xapi-version', 'eight']],
    ['a root that is not a directory', ['lint', '--root', '/nonexistent/dir']],
  ]
  for (const [what, args] of usageErrors) {
    it(`exits 2 on ${what}`, function () {
      const result = runCli(args)
      assert.equal(result.status, 2)
      assert.match(result.stderr, /^xapi-conf: .*\n\nUsage:/)
    })
  }

  it('--help prints the usage and exits 0', function () {
    const result = runCli(['--help'])
    assert.equal(result.status, 0)
    assert.match(result.stdout, /^Usage:/)
  })
})

describe('readLocalTree', function () {
  after(function () {
    for (const root of roots) rmSync(root, { recursive: true, force: true })
  })

  it('follows absolute symlinks inside the root, not on the machine running it', async function () {
    const root = tree([
      file('etc/real.conf', 'hsts_max_age = 7\n'),
      { path: 'etc/xapi.conf', type: 'symlink', target: '/etc/real.conf' },
      { path: 'etc/xapi.conf.d/10.conf', type: 'symlink', target: '/etc/passwd' },
    ])
    const read = await readLocalTree(root)
    assert.deepEqual([read.main?.kind, read.main?.resolved, read.main?.content?.toString()], ['symlink', 'file', 'hsts_max_age = 7\n'])
    assert.deepEqual([read.dropIns[0].kind, read.dropIns[0].resolved], ['symlink', 'missing'])
  })

  it('lists the directory config-dir names in /etc/xapi.conf, and reports a drop-in path that is a file', async function () {
    const root = tree([file('etc/xapi.conf', 'config-dir = /etc/alt.d\n'), file('etc/alt.d/a.conf', 'hsts_max_age = 1\n'), file('etc/xapi.conf.d/b.conf', '')])
    const read = await readLocalTree(root)
    assert.deepEqual([read.configDir, read.dirState, read.dropIns.map(entry => entry.path)], ['/etc/alt.d', 'directory', ['/etc/alt.d/a.conf']])
    const fileDir = await readLocalTree(tree([file('etc/xapi.conf.d', 'hsts_max_age = 20\n')]))
    assert.deepEqual([fileDir.main, fileDir.dirState, fileDir.dropIns], [null, 'not-a-directory', []])
  })
})
