// The xapi-conf test vectors (test/fixtures/xapi-conf-vectors, see its README): file trees on which XAPI's own reading code was run, each case a
// manifest.json (the tree) and an expected.json (what XAPI did). Shared by test/conf, test/ssh and the lab.
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

import { writeTree, type TreeItem } from './file-tree'

export const VECTORS_DIR = resolve(__dirname, '../fixtures/xapi-conf-vectors')

export interface VectorExpected {
  exit: 0 | 1 | 2
  stderr: string
  effective: Record<string, string>
}

interface ManifestItem {
  path: string
  type: 'file' | 'dir' | 'symlink'
  content_b64?: string
  target?: string
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T

/** Every case, as index.json lists them. */
export function vectorIndex(): Array<{ id: string; what: string }> {
  return readJson(join(VECTORS_DIR, 'index.json'))
}

export function vectorExpected(id: string): VectorExpected {
  return readJson(join(VECTORS_DIR, 'cases', id, 'expected.json'))
}

/** Recreates the file tree of case `id` under `root` (created if missing). */
export function writeVectorTree(root: string, id: string): void {
  const { root: items } = readJson<{ root: ManifestItem[] }>(join(VECTORS_DIR, 'cases', id, 'manifest.json'))
  writeTree(root, items.map(treeItemOf))
}

function treeItemOf({ path, type, content_b64, target }: ManifestItem): TreeItem {
  if (type === 'dir') return { path, type }
  if (type === 'symlink') return { path, type, target: target as string }
  return { path, type, content: Buffer.from(content_b64 ?? '', 'base64') }
}
