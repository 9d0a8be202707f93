// Reads a ConfTree from a local directory taken as the host's `/` (symlinks followed inside it).
import type { Dirent, Stats } from 'node:fs'
import { lstat, readFile, readdir, readlink, stat } from 'node:fs/promises'
import { join, posix } from 'node:path'

import { readTree, REFUSED, type FileKind, type FsAnswer, type TreeFs } from './read-tree'
import type { ConfTree } from './tree'

const MAX_SYMLINK_HOPS = 40

/** Reads DIR/etc/xapi.conf and the drop-in directory XAPI would list, with DIR as `/`. */
export function readLocalTree(root: string): Promise<ConfTree> {
  return readTree(localTreeFs(root))
}

function localTreeFs(root: string): TreeFs {
  return {
    lstat: async path => {
      const real = await realLinkPath(root, path)
      return real === undefined ? undefined : lstat(real).then(kindOf, refusedUnlessMissing)
    },
    // Whatever keeps the path from being followed (permissions, a loop...) counts as nothing there.
    stat: async path => {
      const real = await realPath(root, path)
      return real === undefined ? undefined : stat(real).then(kindOf, () => undefined)
    },
    readlink: async path => {
      const real = await realLinkPath(root, path)
      if (real === undefined) throw new Error(`${path} vanished while it was read`)
      return readlink(real)
    },
    readdir: path =>
      readOrRefused(root, path, async real => (await readdir(real, { withFileTypes: true })).map(entry => ({ name: entry.name, kind: kindOf(entry) }))),
    readFile: path => readOrRefused(root, path, real => readFile(real)),
  }
}

function kindOf(stats: Stats | Dirent): FileKind {
  if (stats.isFile()) return 'file'
  if (stats.isDirectory()) return 'directory'
  return stats.isSymbolicLink() ? 'symlink' : 'other'
}

function refusedUnlessMissing(error: NodeJS.ErrnoException): FsAnswer<never> {
  return error.code === 'ENOENT' ? undefined : REFUSED
}

async function readOrRefused<T>(root: string, hostPath: string, read: (real: string) => Promise<T>): Promise<FsAnswer<T>> {
  const real = await realPath(root, hostPath)
  return real === undefined ? undefined : read(real).catch(() => REFUSED)
}

/** The real path under `root` of a host path, its last component kept even when that is a symlink. */
async function realLinkPath(root: string, hostPath: string): Promise<string | undefined> {
  const parent = await realPath(root, posix.dirname(hostPath))
  return parent === undefined ? undefined : join(parent, posix.basename(hostPath))
}

/** The real path under `root` of a host path, following symlinks as if `root` were `/`. */
async function realPath(root: string, hostPath: string): Promise<string | undefined> {
  const done: string[] = []
  const pending = hostPath.split('/').filter(part => part !== '' && part !== '.')
  let hops = 0
  while (pending.length > 0) {
    const part = pending.shift() as string
    if (part === '..') {
      done.pop()
      continue
    }
    const candidate = join(root, ...done, part)
    const stats = await lstat(candidate).catch(() => undefined)
    if (stats === undefined) return undefined
    if (stats.isSymbolicLink()) {
      if (++hops > MAX_SYMLINK_HOPS) return undefined
      const target = await readlink(candidate)
      if (target.startsWith('/')) done.length = 0
      pending.unshift(...target.split('/').filter(piece => piece !== '' && piece !== '.'))
      continue
    }
    done.push(part)
  }
  return join(root, ...done)
}
