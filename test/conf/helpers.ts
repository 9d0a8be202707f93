// Test helpers: build file trees on disk and run the built CLI.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'

export const CLI = resolve(__dirname, '../../dist/cli/xapi-conf.js')

export type TreeItem =
  | { path: string; type: 'dir' }
  | { path: string; type: 'file'; content: string | Buffer }
  | { path: string; type: 'symlink'; target: string }

/** Writes the items under a new temporary directory and returns it. */
export function buildTree(items: readonly TreeItem[]): string {
  const root = mkdtempSync(join(tmpdir(), 'xapi-conf-'))
  for (const item of items) {
    const path = join(root, item.path)
    mkdirSync(dirname(path), { recursive: true })
    if (item.type === 'dir') mkdirSync(path, { recursive: true })
    else if (item.type === 'file') writeFileSync(path, item.content)
    else symlinkSync(item.target, path)
  }
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
