import { mkdir, symlink } from 'node:fs/promises'
import { join } from 'node:path'

import type { SimHost } from '../contract'
import { createHostCertificate, type Pem } from './certificates'
import { fillDisk, freeDisk } from './disk'
import { writeHostEtc, writeHostFolders } from './hostFiles'
import { hostLayout, type HostLayout } from './layout'
import { startHostNamespace, type HostNamespace } from './namespace'
import { SshServer } from './sshd'
import { generateSshKeyPair, type SshKeyPair } from './sshKeys'
import type { HostSpec, LabSecrets } from './spec'
import { softwareVersion } from './versions'

/** Relative to the host's /etc. */
const HOST_KEY_PATH = 'ssh/ssh_host_ed25519_key'

/** One running lab host: its files, namespace and sshd, and the host-level scenario controls. */
export class LabHostRuntime {
  #hostKey: SshKeyPair

  private constructor(
    readonly spec: HostSpec,
    readonly layout: HostLayout,
    readonly namespace: HostNamespace,
    readonly sshd: SshServer,
    readonly tls: Pem,
    hostKey: SshKeyPair
  ) {
    this.#hostKey = hostKey
  }

  static async start(labDir: string, spec: HostSpec, secrets: LabSecrets): Promise<LabHostRuntime> {
    const layout = hostLayout(labDir, spec.poolNumber, spec.hostNumber)
    await mkdir(layout.dir, { recursive: true })
    const subject = { name: spec.name_label, address: spec.address }
    const [tls, hostKey] = await Promise.all([
      createHostCertificate(spec.certificate, subject, secrets.ca, layout.dir),
      writeHostEtc(layout.etcSeedDir, { ...spec, ...secrets }).then(() =>
        generateSshKeyPair(join(layout.etcSeedDir, HOST_KEY_PATH), `root@${spec.name_label}`)
      ),
      writeHostFolders(layout, { ...spec, ...secrets }),
    ])
    const namespace = await startHostNamespace(layout, spec.name_label)
    await symlink(namespace.etcDir, layout.etcLink)
    const sshd = new SshServer(namespace, spec.address, layout)
    await sshd.waitUntilListening()
    return new LabHostRuntime(spec, layout, namespace, sshd, tls, hostKey)
  }

  get hostKey(): SshKeyPair {
    return this.#hostKey
  }

  simHost(): SimHost {
    return {
      uuid: this.spec.uuid,
      name_label: this.spec.name_label,
      address: this.spec.address,
      etcDir: this.namespace.etcDir,
      runDir: this.layout.runDir,
      wwwDir: this.layout.wwwDir,
      tls: this.tls,
      softwareVersion: softwareVersion(this.spec.release, this.spec.name_label),
      sshd: this.sshd,
      ssh: this.spec.ssh,
    }
  }

  /** Writes a new host key through the host's own /etc and restarts sshd with it. */
  async changeHostKey(): Promise<SshKeyPair> {
    this.#hostKey = await generateSshKeyPair(join(this.namespace.etcDir, HOST_KEY_PATH), `root@${this.spec.name_label}`)
    await this.sshd.stop()
    await this.sshd.start()
    return this.#hostKey
  }

  fillDisk(): Promise<void> {
    return fillDisk(this.namespace)
  }

  freeDisk(): Promise<void> {
    return freeDisk(this.namespace)
  }
}
