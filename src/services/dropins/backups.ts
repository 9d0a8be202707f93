// Byte-exact copies of every file version a change reads or writes, for `revert`, kept in the plugin's
// data directory (never beside /etc/xapi.conf.d, which XAPI reads whole): one file per content, named
// by its SHA-256, so a version shared by many hosts or changes is kept once. The journal holds only the
// digests. Bounded: versions that no recent change refers to are removed (see prune).
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'

export const BACKUPS_DIR = 'dropins-backups'

/** How a journal entry refers to a file version: its digest, its size, and a short preview. */
export interface ContentRef {
  sha256: string
  bytes: number
  /** The first characters, for reading the history; the whole file is in the backups. */
  preview: string
}

const PREVIEW_CHARACTERS = 200
const SHA256 = /^[0-9a-f]{64}$/

/** Contents are binary strings (one character per byte), as everywhere in drop-ins. */
export function contentRef(content: string): ContentRef {
  const sha256 = createHash('sha256').update(content, 'latin1').digest('hex')
  return { sha256, bytes: content.length, preview: content.slice(0, PREVIEW_CHARACTERS) }
}

export class BackupStore {
  readonly directory: string
  readonly #stored = new Set<string>()

  constructor(dataDir: string) {
    this.directory = join(dataDir, BACKUPS_DIR)
  }

  /** Keeps `content` (written and fsynced before the journal refers to it) and returns its reference. */
  async put(content: string): Promise<ContentRef> {
    const ref = contentRef(content)
    if (!this.#stored.has(ref.sha256)) {
      await mkdir(this.directory, { recursive: true, mode: 0o700 })
      const path = join(this.directory, ref.sha256)
      const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`
      const file = await open(temp, 'w', 0o600)
      try {
        await file.writeFile(Buffer.from(content, 'latin1'))
        await file.sync()
      } finally {
        await file.close()
      }
      await rename(temp, path)
      this.#stored.add(ref.sha256)
    }
    return ref
  }

  /** The content of a reference; `undefined` when it is no longer kept. */
  async get(sha256: string): Promise<string | undefined> {
    if (!SHA256.test(sha256)) {
      return undefined
    }
    try {
      return (await readFile(join(this.directory, sha256))).toString('latin1')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return undefined
      }
      throw error
    }
  }

  /** How many versions are kept. */
  async count(): Promise<number> {
    return (await this.#names()).length
  }

  /** Removes every kept version that `referenced` does not hold; returns how many were removed. The caller
   * makes sure no `put` runs meanwhile (the journal serializes both). */
  async prune(referenced: ReadonlySet<string>): Promise<number> {
    const unused = (await this.#names()).filter(name => !referenced.has(name))
    await Promise.all(unused.map(name => rm(join(this.directory, name), { force: true })))
    for (const name of unused) {
      this.#stored.delete(name)
    }
    return unused.length
  }

  async #names(): Promise<string[]> {
    try {
      return (await readdir(this.directory)).filter(name => SHA256.test(name))
    } catch {
      return []
    }
  }
}
