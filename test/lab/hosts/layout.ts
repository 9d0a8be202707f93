import { join } from 'node:path'

/** Where every lab keeps its state; one folder per lab, named after the lab's second address octet. */
export const LAB_ROOT = process.env.XO_XAPI_CONFIG_LAB_ROOT ?? '/run/xo-xapi-config-lab'

/** A host's state folder, and what each part becomes inside the host's mount namespace. */
export interface HostLayout {
  dir: string
  /** Small tmpfs (the host's "disk") holding the /etc overlay and the disk-full filler. */
  diskDir: string
  /** Overlay upper layer of /etc: xapi.conf, xapi.conf.d/, ssh/, shadow… (SimHost.etcDir). */
  etcDir: string
  overlayWorkDir: string
  fillerPath: string
  /** → /opt (holds xensource/bin and xensource/www) */
  optDir: string
  binDir: string
  wwwDir: string
  /** → /run, hence /var/run */
  runDir: string
  /** → /dev/shm */
  shmDir: string
  /** → /root */
  rootHomeDir: string
  sshdLogPath: string
}

export function hostDirName(poolNumber: number, hostNumber: number): string {
  return `${poolNumber}-${hostNumber}`
}

export function hostLayout(labDir: string, poolNumber: number, hostNumber: number): HostLayout {
  const dir = join(labDir, 'hosts', hostDirName(poolNumber, hostNumber))
  const diskDir = join(dir, 'disk')
  const optDir = join(dir, 'opt')
  return {
    dir,
    diskDir,
    etcDir: join(diskDir, 'etc'),
    overlayWorkDir: join(diskDir, 'overlay-work'),
    fillerPath: join(diskDir, 'filler'),
    optDir,
    binDir: join(optDir, 'xensource', 'bin'),
    wwwDir: join(optDir, 'xensource', 'www'),
    runDir: join(dir, 'run'),
    shmDir: join(dir, 'shm'),
    rootHomeDir: join(dir, 'root'),
    sshdLogPath: join(dir, 'sshd.log'),
  }
}
