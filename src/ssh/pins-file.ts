// The pinned host keys on disk: JSON, mode 0600, replaced atomically. Every HostKeyStore on the same file
// shares one PinsFile, so that two HostAccess instances of the plugin (such as the password-only one
// that installs the generated key) see each other's pins and never write over them.
//
// Saves are group-committed: while one write is on its way to disk, every pin added meanwhile waits for
// the next write, which takes them all. A fleet's first connections thus cost a few writes, not one
// rewrite and fsync per host, and a caller still learns only once its own pin is on disk.
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { HostAccessError } from './errors'
import { isFingerprint } from './fingerprint'

export interface PinnedHostKey {
  fingerprint: string
  keyType: string
  /** The address the key was first seen at (informational: pins are per host id). */
  address: string
  pinnedAt: string
}

interface PinsFileContent {
  version: 1
  hosts: Record<string, PinnedHostKey>
}

const openFiles = new Map<string, PinsFile>()

export class PinsFile {
  readonly path: string
  #pins: Promise<Map<string, PinnedHostKey>> | undefined
  #lastSave: Promise<void> = Promise.resolve()
  /** The write that has not started yet; a save() joins it. */
  #queued: Promise<void> | undefined
  /** Writes to disk so far (what batching saves is visible here). */
  writes = 0

  private constructor(path: string) {
    this.path = path
  }

  static at(path: string): PinsFile {
    const absolute = resolve(path)
    let file = openFiles.get(absolute)
    if (file === undefined) {
      file = new PinsFile(absolute)
      openFiles.set(absolute, file)
    }
    return file
  }

  /** The pins, read once; callers change the returned map and then save() it. */
  load(): Promise<Map<string, PinnedHostKey>> {
    this.#pins ??= readPins(this.path).catch(error => {
      this.#pins = undefined // let a later call retry once the admin fixed the file
      throw error
    })
    return this.#pins
  }

  /** Resolves once `pins` as they are now are on disk: with the next write, which starts after the current one. */
  save(pins: Map<string, PinnedHostKey>): Promise<void> {
    if (this.#queued === undefined) {
      const next = this.#lastSave.catch(() => undefined).then(() => {
        this.#queued = undefined // changes from here on go to the write after this one
        this.writes++
        return writeReplacing(this.path, { version: 1, hosts: Object.fromEntries(pins) })
      })
      this.#queued = next
      this.#lastSave = next
    }
    return this.#queued
  }

  /** Resolves once every save asked for so far has settled (written or failed). */
  settled(): Promise<void> {
    return this.#lastSave.catch(() => undefined)
  }
}

async function readPins(path: string): Promise<Map<string, PinnedHostKey>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return new Map()
    }
    throw new HostAccessError('IO', `cannot read the pinned host keys file ${path}: ${(error as Error).message}`)
  }
  const hosts = parseContent(text)
  if (hosts === undefined) {
    throw new HostAccessError(
      'IO',
      `the pinned host keys file ${path} is not valid: restore it from a backup, ` +
        'or delete it to pin every host again on its next connection'
    )
  }
  return new Map(Object.entries(hosts))
}

function parseContent(text: string): Record<string, PinnedHostKey> | undefined {
  try {
    const { version, hosts } = JSON.parse(text) as Partial<PinsFileContent>
    const valid =
      version === 1 &&
      typeof hosts === 'object' &&
      hosts !== null &&
      Object.values(hosts).every(pin => typeof pin?.fingerprint === 'string' && isFingerprint(pin.fingerprint))
    return valid ? hosts : undefined
  } catch {
    return undefined
  }
}

async function writeReplacing(path: string, content: PinsFileContent): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  try {
    await writeFile(temp, JSON.stringify(content, null, 2) + '\n', { mode: 0o600, flush: true })
    await rename(temp, path)
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  }
}
