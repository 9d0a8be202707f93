// Reads a ConfTree through a TreeFs: the one walk shared by the local reader (a directory taken as `/`)
// and the SFTP reader (a host), which only say how to ask their filesystem.
import { posix } from 'node:path'

import { configDirOf, dropInPath, MAIN_CONFIG_PATH, type ConfEntry, type ConfTree, type DirState, type TargetKind } from './tree'

/** The answer of a filesystem that denied a request (permission denied, ...): a fact about the tree. */
export const REFUSED = Symbol('refused')

/** What a request answers: the value, undefined when nothing has that path, or REFUSED. */
export type FsAnswer<T> = T | undefined | typeof REFUSED

export type FileKind = 'file' | 'directory' | 'symlink' | 'other'

/** Host paths in, answers out. Failures that are no fact about the tree (a lost connection...) are thrown. */
export interface TreeFs {
  /** The kind of the path itself, a final symlink not followed. */
  lstat(path: string): Promise<FsAnswer<FileKind>>
  /** The kind of what the path leads to once every symlink is followed. */
  stat(path: string): Promise<FsAnswer<FileKind>>
  /** A symlink's target as stored; called only on a path lstat just called a symlink. */
  readlink(path: string): Promise<string>
  readdir(path: string): Promise<FsAnswer<string[]>>
  readFile(path: string): Promise<FsAnswer<Buffer>>
}

/** Reads /etc/xapi.conf and every entry of the drop-in directory XAPI would list. */
export async function readTree(fs: TreeFs): Promise<ConfTree> {
  const main = await describeEntry(fs, MAIN_CONFIG_PATH)
  const configDir = configDirOf(main)
  const { dirState, names } = await listConfigDir(fs, configDir)
  const dropIns = await Promise.all(names.map(name => describeEntry(fs, dropInPath(configDir, name))))
  return { main, configDir, dirState, dropIns: dropIns.filter((entry): entry is ConfEntry => entry !== null) }
}

/** Describes one path as XAPI would meet it; null when nothing has that name. */
async function describeEntry(fs: TreeFs, path: string): Promise<ConfEntry | null> {
  const name = posix.basename(path)
  const kind = await fs.lstat(path)
  if (kind === undefined) return null
  if (kind === 'directory') return { name, path, kind: 'directory' }
  if (kind === 'symlink') return { name, path, kind: 'symlink', target: await fs.readlink(path), ...(await describeTarget(fs, path)) }
  const content = await readIfFile(fs, path, kind)
  return content === undefined ? { name, path, kind: 'unreadable' } : { name, path, kind: 'file', content }
}

/** What a symlink leads to once every link is followed, and the bytes when that is a readable file. */
async function describeTarget(fs: TreeFs, path: string): Promise<{ resolved: TargetKind; content?: Buffer }> {
  const kind = await fs.stat(path)
  if (kind === undefined) return { resolved: 'missing' }
  if (kind === 'directory') return { resolved: 'directory' }
  const content = await readIfFile(fs, path, kind)
  return content === undefined ? { resolved: 'unreadable' } : { resolved: 'file', content }
}

/** The bytes of a file XAPI can read; undefined for anything else. */
async function readIfFile(fs: TreeFs, path: string, kind: FsAnswer<FileKind>): Promise<Buffer | undefined> {
  const content = kind === 'file' ? await fs.readFile(path) : undefined
  return content === REFUSED ? undefined : content
}

async function listConfigDir(fs: TreeFs, configDir: string): Promise<{ dirState: DirState; names: string[] }> {
  const kind = configDir === '' ? undefined : await fs.stat(configDir)
  if (kind === undefined) return { dirState: 'missing', names: [] }
  if (kind === REFUSED) return { dirState: 'unreadable', names: [] }
  if (kind !== 'directory') return { dirState: 'not-a-directory', names: [] }
  const names = await fs.readdir(configDir)
  return Array.isArray(names) ? { dirState: 'directory', names } : { dirState: 'unreadable', names: [] }
}
