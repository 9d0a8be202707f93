import { chmod, chown, mkdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import type { HostLayout } from './layout'
import { XAPI_WAIT_INIT_COMPLETE, XE_TOOLSTACK_RESTART } from './scripts'
import { stockXapiConf, vendorDropIns } from './xapiConf'
import type { HostSpec, LabSecrets } from './spec'
import { softwareVersion } from './versions'

export type HostFilesSpec = Pick<HostSpec, 'uuid' | 'name_label' | 'address' | 'masterAddress' | 'release' | 'webserverDisabled'> &
  Pick<LabSecrets, 'shadow' | 'authorizedKeys'>

/** Writes the host's folders that its namespace mounts (/opt, /root, /run, /dev/shm). */
export async function writeHostFolders(layout: HostLayout, spec: HostFilesSpec): Promise<void> {
  await Promise.all([writeOpt(layout, spec), writeRootHome(layout.rootHomeDir, spec)])
  await mkdir(join(layout.runDir, 'sshd'), { recursive: true, mode: 0o755 }) // sshd's privilege separation directory
  await mkdir(layout.diskDir)
  await mkdir(layout.shmDir, { recursive: true })
  await chmod(layout.shmDir, 0o1777)
}

/** Writes the host's own files of /etc into `etcDir` (its seed folder, see namespace.ts). */
export async function writeHostEtc(etcDir: string, spec: HostFilesSpec): Promise<void> {
  const dropInDir = join(etcDir, 'xapi.conf.d')
  await mkdir(dropInDir, { recursive: true })
  await mkdir(join(etcDir, 'xensource'))
  await mkdir(join(etcDir, 'ssh'))
  const dropIns = Object.entries(vendorDropIns(spec.release))
  await Promise.all([
    writeFile(join(etcDir, 'xapi.conf'), stockXapiConf(spec)),
    ...dropIns.map(([name, content]) => writeFile(join(dropInDir, name), content)),
    writeFile(join(etcDir, 'xensource-inventory'), inventory(spec)),
    writeFile(join(etcDir, 'xensource', 'pool.conf'), spec.masterAddress === undefined ? 'master' : `slave:${spec.masterAddress}`),
    writeFile(join(etcDir, 'hostname'), `${spec.name_label}\n`),
    writeFile(join(etcDir, 'ssh', 'sshd_config'), sshdConfig(spec.address)),
    writeShadow(join(etcDir, 'shadow'), spec.shadow),
  ])
}

// Same mode and owner as the machine's own /etc/shadow, which it hides.
async function writeShadow(path: string, content: string): Promise<void> {
  const original = await stat('/etc/shadow')
  await writeFile(path, content, { mode: original.mode & 0o777 })
  await chown(path, original.uid, original.gid)
}

async function writeOpt(layout: HostLayout, spec: HostFilesSpec): Promise<void> {
  await mkdir(layout.binDir, { recursive: true })
  await mkdir(layout.wwwDir, { recursive: true })
  await Promise.all([
    writeFile(join(layout.binDir, 'xe-toolstack-restart'), XE_TOOLSTACK_RESTART, { mode: 0o755 }),
    writeFile(join(layout.binDir, 'xapi-wait-init-complete'), XAPI_WAIT_INIT_COMPLETE, { mode: 0o755 }),
    writeFile(join(layout.wwwDir, 'index.html'), xoLitePage(spec.name_label)),
  ])
}

async function writeRootHome(rootHomeDir: string, spec: HostFilesSpec): Promise<void> {
  await mkdir(join(rootHomeDir, '.ssh'), { recursive: true, mode: 0o700 })
  await chmod(rootHomeDir, 0o700)
  await writeFile(join(rootHomeDir, '.ssh', 'authorized_keys'), spec.authorizedKeys, { mode: 0o600 })
}

function inventory(spec: HostFilesSpec): string {
  const version = softwareVersion(spec.release, spec.name_label)
  const entries = {
    PRODUCT_BRAND: version.product_brand,
    PRODUCT_VERSION: version.product_version,
    PLATFORM_NAME: version.platform_name,
    PLATFORM_VERSION: version.platform_version,
    INSTALLATION_UUID: spec.uuid,
    MANAGEMENT_INTERFACE: 'xenbr0',
    MANAGEMENT_ADDRESS_TYPE: 'IPv4',
  }
  return Object.entries(entries)
    .map(([key, value]) => `${key}='${value}'\n`)
    .join('')
}

function sshdConfig(address: string): string {
  return [
    `ListenAddress ${address}:22`,
    'HostKey /etc/ssh/ssh_host_ed25519_key',
    'PidFile /run/sshd.pid',
    'PermitRootLogin yes',
    'PasswordAuthentication yes',
    'PubkeyAuthentication yes',
    'KbdInteractiveAuthentication no',
    // Without PAM, sshd checks passwords against the host's own /etc/shadow.
    'UsePAM no',
    'UseDNS no',
    'PrintMotd no',
    // Benchmarks open many connections at once.
    'MaxStartups 200',
    'MaxSessions 100',
    'Subsystem sftp internal-sftp',
    '',
  ].join('\n')
}

function xoLitePage(hostName: string): string {
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>XO Lite</title>
  </head>
  <body>
    <div id="root">XO Lite on ${hostName} (lab host)</div>
  </body>
</html>
`
}
