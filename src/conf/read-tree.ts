// Reads a ConfTree through a TreeFs: the one walk shared by the local reader (a directory taken as `/`)
// and the SFTP reader (a host), which only say how to ask their filesystem.
import { posix } from 'node:path'

import {
  configDirOf,
  DEFAULT_CONFIG_DIR,
  dropInPath,
  MAIN_CONFIG_PATH,
  type ConfEntry,
  type ConfTree,
  type DirState,
  type TargetKind,
} from './tree'

/** The answer of a filesystem that denied a request (permission denied, ...): a fact about the tree. */
export const REFUSED = Symbol('refused')

/** What a request answers: the value, undefined when nothing has that path, or REFUSED. */
export type FsAnswer<T> = T | undefined | typeof REFUSED

export type FileKind = 'file' | 'directory' | 'symlink' | 'other'

/** A directory entry and its kind as lstat would say (a symlink not followed). */
export interface TreeFsEntry {
  name: string
  kind: FileKind
}

/** Host paths in, answers out. Failures that are no fact about the tree (a lost connection...) are thrown. */
export interface TreeFs {
  /** The kind of the path itself, a final symlink not followed. */
  lstat(path: string): Promise<FsAnswer<FileKind>>
  /** The kind of what the path leads to once every symlink is followed. */
  stat(path: string): Promise<FsAnswer<FileKind>>
  /** A symlink's target as stored; called only on a path lstat just called a symlink. */
  readlink(path: string): Promise<string>
  /** The entries with their kinds, as a listing tells them (no lstat per entry). */
  readdir(path: string): Promise<FsAnswer<TreeFsEntry[]>>
  /** Called only on a path just found to be a regular file. */
  readFile(path: string): Promise<FsAnswer<Buffer>>
}

/**
 * Reads /etc/xapi.conf and every entry of the drop-in directory XAPI would list. The usual directory is
 * read while /etc/xapi.conf is (behind a WAN link, round trips set the time); another one is read once
 * the file names it.
 */
export async function readTree(fs: TreeFs): Promise<ConfTree> {
  const usualDir = readConfigDir(fs, DEFAULT_CONFIG_DIR)
  usualDir.catch(() => undefined) // awaited below unless the main file fails or names another directory
  const main = await describeEntry(fs, MAIN_CONFIG_PATH)
  const configDir = configDirOf(main)
  const { dirState, dropIns } = configDir === DEFAULT_CONFIG_DIR ? await usualDir : await readConfigDir(fs, configDir)
  return { main, configDir, dirState, dropIns }
}

async function readConfigDir(fs: TreeFs, configDir: string): Promise<{ dirState: DirState; dropIns: ConfEntry[] }> {
  const { dirState, entries } = await listConfigDir(fs, configDir)
  const dropIns = await Promise.all(entries.map(({ name, kind }) => describeEntry(fs, dropInPath(configDir, name), kind)))
  return { dirState, dropIns: dropIns.filter((entry): entry is ConfEntry => entry !== null) }
}

/** Describes one path as XAPI would meet it; null when nothing has that name. `listed`: its kind from a listing. */
async function describeEntry(fs: TreeFs, path: string, listed?: FileKind): Promise<ConfEntry | null> {
  const name = posix.basename(path)
  const kind = listed ?? (await fs.lstat(path))
  if (kind === undefined) return null
  if (kind === 'directory') return { name, path, kind: 'directory' }
  if (kind === 'symlink') return { name, path, kind: 'symlink', ...(await describeSymlink(fs, path)) }
  const content = await readIfFile(fs, path, kind)
  return content === undefined ? { name, path, kind: 'unreadable' } : { name, path, kind: 'file', content }
}

async function describeSymlink(fs: TreeFs, path: string): Promise<{ target: string; resolved: TargetKind; content?: Buffer }> {
  const [target, resolved] = await Promise.all([fs.readlink(path), describeTarget(fs, path)])
  return { target, ...resolved }
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

async function listConfigDir(fs: TreeFs, configDir: string): Promise<{ dirState: DirState; entries: TreeFsEntry[] }> {
  if (configDir === '') return { dirState: 'missing', entries: [] }
  const [kind, entries] = await Promise.all([fs.stat(configDir), fs.readdir(configDir)])
  if (kind === undefined) return { dirState: 'missing', entries: [] }
  if (kind === REFUSED) return { dirState: 'unreadable', entries: [] }
  if (kind !== 'directory') return { dirState: 'not-a-directory', entries: [] }
  return Array.isArray(entries) ? { dirState: 'directory', entries } : { dirState: 'unreadable', entries: [] }
}
