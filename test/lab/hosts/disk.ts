// Each host's /etc lives on its own small tmpfs, so that "disk full" is a real ENOSPC.
import { mkdir, open, rm } from 'node:fs/promises'

import type { HostLayout } from './layout'
import { run } from './run'

const DISK_SIZE = '2m'

export async function mountDisk(layout: HostLayout): Promise<void> {
  await mkdir(layout.diskDir, { recursive: true })
  await run('mount', ['-t', 'tmpfs', '-o', `size=${DISK_SIZE},mode=0755`, 'xo-xapi-config-lab', layout.diskDir])
  await mkdir(layout.overlayWorkDir)
}

/**
 * Fills the host's disk with a file beside (not inside) /etc, in whole pages, until the kernel
 * refuses: writing any new file then fails with ENOSPC.
 */
export async function fillDisk(layout: HostLayout): Promise<void> {
  const filler = await open(layout.fillerPath, 'a')
  try {
    for (const chunkSize of [65536, 4096]) {
      await writeUntilFull(filler, Buffer.alloc(chunkSize))
    }
  } finally {
    await filler.close()
  }
}

export async function freeDisk(layout: HostLayout): Promise<void> {
  await rm(layout.fillerPath, { force: true })
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
