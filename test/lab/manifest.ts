import type { LabManifest, LabPool } from './types'

export function buildManifest(caCertificatePath: string, pools: readonly LabPool[]): LabManifest {
  return {
    caCertificatePath,
    pools: pools.map(pool => ({
      uuid: pool.uuid,
      name_label: pool.name_label,
      master: pool.master,
      xapi: { ...pool.xapi },
      hosts: pool.hosts.map(host => ({
        uuid: host.uuid,
        name_label: host.name_label,
        address: host.address,
        ssh: {
          port: host.ssh.port,
          username: host.ssh.username,
          password: host.ssh.password,
          privateKeyPath: host.ssh.privateKeyPath,
          hostKeyFingerprint: host.ssh.hostKeyFingerprint,
        },
        https: { ...host.https },
      })),
    })),
  }
}
