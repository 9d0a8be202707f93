// Small files of the plugin's data directory, replaced atomically (journals are appended: ./jsonl.ts).
import { randomBytes } from 'node:crypto'
import { rename, rm, writeFile } from 'node:fs/promises'

/** Replaces `path` with `text` (mode 0600): a reader sees the old file or the new one, never a part. */
export async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`
  try {
    await writeFile(temp, text, { mode: 0o600, flush: true })
    await rename(temp, path)
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  }
}
