// Test helpers: build file trees on disk and run the built CLI.
import { execFile, spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

import type { ConfEntry, ConfTree } from '../../src/conf'
import { writeTree, type TreeItem } from '../support/file-tree'

export type { TreeItem }

export const CLI = resolve(__dirname, '../../dist/cli/xapi-conf.js')

/** Writes the items under a new temporary directory and returns it. */
export function buildTree(items: readonly TreeItem[]): string {
  const root = mkdtempSync(join(tmpdir(), 'xapi-conf-'))
  writeTree(root, items)
  return root
}

export interface CliResult {
  status: number | null
  stdout: string
  stderr: string
}

export function runCli(args: readonly string[]): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** Runs the CLI without blocking, so that many runs can overlap. */
export function runCliAsync(args: readonly string[]): Promise<CliResult> {
  return new Promise(resolvePromise => {
    execFile(process.execPath, [CLI, ...args], { encoding: 'utf8' }, (error, stdout, stderr) => {
      const status = error === null ? 0 : typeof error.code === 'number' ? error.code : null
      resolvePromise({ status, stdout, stderr })
    })
  })
}

/** A drop-in or /etc/xapi.conf in a hand-made tree: text is a file. */
export type EntrySpec = string | Buffer | { kind: 'directory' } | { kind: 'unreadable' } | { symlink: string; to: 'file' | 'directory' | 'missing'; text?: string }

function entryOf(path: string, spec: EntrySpec): ConfEntry {
  const name = path.slice(path.lastIndexOf('/') + 1)
  if (typeof spec === 'string' || Buffer.isBuffer(spec)) return { name, path, kind: 'file', content: Buffer.from(spec) }
  if ('kind' in spec) return { name, path, kind: spec.kind }
  const content = spec.text === undefined ? {} : { content: Buffer.from(spec.text) }
  return { name, path, kind: 'symlink', target: spec.symlink, resolved: spec.to, ...content }
}

/** A ConfTree held in memory: /etc/xapi.conf (optional) and the drop-ins of /etc/xapi.conf.d. */
export function treeOf(main: EntrySpec | null, dropIns: Readonly<Record<string, EntrySpec>> = {}): ConfTree {
  return {
    main: main === null ? null : entryOf('/etc/xapi.conf', main),
    configDir: '/etc/xapi.conf.d',
    dirState: 'directory',
    dropIns: Object.entries(dropIns).map(([name, spec]) => entryOf(`/etc/xapi.conf.d/${name}`, spec)),
  }
}
