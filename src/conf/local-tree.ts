// Reads a ConfTree from a local directory taken as the host's `/` (symlinks followed inside it).
import { lstat, readFile, readdir, readlink, stat } from 'node:fs/promises'
import { join, posix } from 'node:path'

import { configDirOf, dropInPath, MAIN_CONFIG_PATH, type ConfEntry, type ConfTree, type DirState, type TargetKind } from './tree'

const MAX_SYMLINK_HOPS = 40

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

async function readRegularFile(realFile: string): Promise<{ kind: 'file'; content: Buffer } | { kind: 'unreadable' }> {
  try {
    return { kind: 'file', content: await readFile(realFile) }
  } catch {
    return { kind: 'unreadable' }
  }
}

async function describeTarget(realTarget: string | undefined): Promise<{ resolved: TargetKind; content?: Buffer }> {
  if (realTarget === undefined) return { resolved: 'missing' }
  const stats = await stat(realTarget).catch(() => undefined)
  if (stats === undefined) return { resolved: 'missing' }
  if (stats.isDirectory()) return { resolved: 'directory' }
  if (!stats.isFile()) return { resolved: 'unreadable' }
  const read = await readRegularFile(realTarget)
  return read.kind === 'file' ? { resolved: 'file', content: read.content } : { resolved: 'unreadable' }
}

/** Describes the host path `hostPath`; null when nothing has that name. */
async function describeEntry(root: string, hostPath: string): Promise<ConfEntry | null> {
  const name = posix.basename(hostPath)
  const parent = await realPath(root, posix.dirname(hostPath))
  if (parent === undefined) return null
  const real = join(parent, name)
  let stats
  try {
    stats = await lstat(real)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? null : { name, path: hostPath, kind: 'unreadable' }
  }
  if (stats.isDirectory()) return { name, path: hostPath, kind: 'directory' }
  if (stats.isSymbolicLink()) {
    const target = await readlink(real)
    const targetPath = posix.resolve(posix.dirname(hostPath), target)
    return { name, path: hostPath, kind: 'symlink', target, ...(await describeTarget(await realPath(root, targetPath))) }
  }
  if (!stats.isFile()) return { name, path: hostPath, kind: 'unreadable' }
  return { name, path: hostPath, ...(await readRegularFile(real)) }
}

async function listDirectory(root: string, configDir: string): Promise<{ dirState: DirState; names: string[] }> {
  const real = configDir === '' ? undefined : await realPath(root, configDir)
  const stats = real === undefined ? undefined : await stat(real).catch(() => undefined)
  if (real === undefined || stats === undefined) return { dirState: 'missing', names: [] }
  if (!stats.isDirectory()) return { dirState: 'not-a-directory', names: [] }
  try {
    return { dirState: 'directory', names: await readdir(real) }
  } catch {
    return { dirState: 'unreadable', names: [] }
  }
}

/** Reads DIR/etc/xapi.conf and the drop-in directory XAPI would list, with DIR as `/`. */
export async function readLocalTree(root: string): Promise<ConfTree> {
  const main = await describeEntry(root, MAIN_CONFIG_PATH)
  const configDir = configDirOf(main)
  const { dirState, names } = await listDirectory(root, configDir)
  const dropIns = await Promise.all(names.map(name => describeEntry(root, dropInPath(configDir, name))))
  return { main, configDir, dirState, dropIns: dropIns.filter((entry): entry is ConfEntry => entry !== null) }
}
