// Each host's /etc lives on its own small tmpfs (see namespace.ts), so that "disk full" is a real
// ENOSPC. The filler sits beside the /etc layer, not in it: the host's /etc stays as it was.
import { open, rm } from 'node:fs/promises'
import { join } from 'node:path'

import type { HostNamespace } from './namespace'

const FILLER = 'filler'

/** Fills the host's disk, in whole pages, until the kernel refuses: any new file in /etc then gets ENOSPC. */
export async function fillDisk(namespace: HostNamespace): Promise<void> {
  const filler = await open(join(namespace.diskDir, FILLER), 'a')
  try {
    for (const chunkSize of [65536, 4096]) {
      await writeUntilFull(filler, Buffer.alloc(chunkSize))
    }
  } finally {
    await filler.close()
  }
}

export async function freeDisk(namespace: HostNamespace): Promise<void> {
  await rm(join(namespace.diskDir, FILLER), { force: true })
}

async function writeUntilFull(file: Awaited<ReturnType<typeof open>>, chunk: Buffer): Promise<void> {
  try {
    for (;;) {
      await file.write(chunk)
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') {
      throw error
    }
  }
}
