// Small file trees written on disk for tests: files, directories and symlinks.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

export type TreeItem =
  | { path: string; type: 'dir' }
  | { path: string; type: 'file'; content: string | Buffer }
  | { path: string; type: 'symlink'; target: string }

/** Writes the items under `root` in their order, creating missing parent directories. */
export function writeTree(root: string, items: readonly TreeItem[]): void {
  for (const item of items) {
    const path = join(root, item.path)
    mkdirSync(dirname(path), { recursive: true })
    if (item.type === 'dir') mkdirSync(path, { recursive: true })
    else if (item.type === 'file') writeFileSync(path, item.content)
    else symlinkSync(item.target, path)
  }
}
