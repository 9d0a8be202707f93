// A host's /etc/xapi.conf and drop-in directory, read over SFTP into the conf module's ConfTree: the
// same description a local directory gives (see conf/local-tree.ts), with the host resolving symlinks.
import { configDirOf, MAIN_CONFIG_PATH, type ConfEntry, type ConfTree, type DirState, type TargetKind } from '../conf'
import { dropInPath } from '../conf/tree'
import { isHostAccessError } from './errors'
import type { HostSession } from './session'

export async function readConfTree(session: HostSession): Promise<ConfTree> {
  const main = await describeEntry(session, MAIN_CONFIG_PATH)
  const configDir = configDirOf(main)
  const { dirState, names } = await listConfigDir(session, configDir)
  const dropIns = await Promise.all(names.map(name => describeEntry(session, dropInPath(configDir, name))))
  return { main, configDir, dirState, dropIns: dropIns.filter((entry): entry is ConfEntry => entry !== null) }
}

/** Describes one path as XAPI would meet it; null when nothing has that name. */
async function describeEntry(session: HostSession, path: string): Promise<ConfEntry | null> {
  const name = path.slice(path.lastIndexOf('/') + 1)
  const stats = await refusedAs(session.lstat(path), 'unreadable' as const)
  if (stats === undefined) {
    return null
  }
  if (stats === 'unreadable' || stats.kind === 'other') {
    return { name, path, kind: 'unreadable' }
  }
  if (stats.kind === 'directory') {
    return { name, path, kind: 'directory' }
  }
  if (stats.kind === 'symlink') {
    return { name, path, kind: 'symlink', target: await session.readlink(path), ...(await describeTarget(session, path)) }
  }
  const content = await refusedAs(session.readBytes(path), undefined)
  return content === undefined ? { name, path, kind: 'unreadable' } : { name, path, kind: 'file', content }
}

/** What a symlink leads to once the host followed every link, and the bytes when that is a readable file. */
async function describeTarget(session: HostSession, path: string): Promise<{ resolved: TargetKind; content?: Buffer }> {
  const stats = await refusedAs(session.stat(path), 'unreadable' as const)
  if (stats === undefined) {
    return { resolved: 'missing' }
  }
  if (stats !== 'unreadable' && stats.kind === 'directory') {
    return { resolved: 'directory' }
  }
  if (stats === 'unreadable' || stats.kind !== 'file') {
    return { resolved: 'unreadable' }
  }
  const content = await refusedAs(session.readBytes(path), undefined)
  return content === undefined ? { resolved: 'unreadable' } : { resolved: 'file', content }
}

async function listConfigDir(session: HostSession, configDir: string): Promise<{ dirState: DirState; names: string[] }> {
  const stats = configDir === '' ? undefined : await refusedAs(session.stat(configDir), 'unreadable' as const)
  if (stats === undefined) {
    return { dirState: 'missing', names: [] }
  }
  if (stats === 'unreadable') {
    return { dirState: 'unreadable', names: [] }
  }
  if (stats.kind !== 'directory') {
    return { dirState: 'not-a-directory', names: [] }
  }
  const names = await refusedAs(session.listNames(configDir), undefined)
  return names === undefined ? { dirState: 'unreadable', names: [] } : { dirState: 'directory', names }
}

// The host answered "no" (permission denied, not readable, ...): that is a fact about the tree. A timeout
// or a lost connection is not, and fails the whole read.
async function refusedAs<T, F>(request: Promise<T>, fallback: F): Promise<T | F> {
  try {
    return await request
  } catch (error) {
    if (isHostAccessError(error, 'IO') && typeof error.data?.sftpStatus === 'number') {
      return fallback
    }
    throw error
  }
}
