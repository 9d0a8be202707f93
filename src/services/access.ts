// Builds the plugin's SSH access from its settings: the credentials (the generated key pair or the
// password), the host-key policy, the fleet-wide bounds and the timeouts.
import { HostAccess } from '../ssh/host-access'
import { HostKeyStore } from '../ssh/host-key-store'
import { ensureKeyPair } from '../ssh/key-pair'
import type { Settings } from '../settings/settings'

export async function createHostAccess(settings: Settings, dataDir: string): Promise<HostAccess> {
  const privateKey = settings.ssh.authentication === 'generated-key' ? (await ensureKeyPair(dataDir)).privateKey : undefined
  return hostAccess(settings, dataDir, privateKey)
}

/** Logs in with the settings' password only: installs the generated key on hosts that do not have it yet. */
export async function createPasswordHostAccess(settings: Settings, dataDir: string): Promise<HostAccess> {
  return hostAccess(settings, dataDir, undefined)
}

function hostAccess(settings: Settings, dataDir: string, privateKey: string | undefined): HostAccess {
  const { ssh, concurrency, idleConnections, timeouts } = settings
  return new HostAccess({
    credentials: { username: ssh.username, password: ssh.password, privateKey },
    hostKeys: new HostKeyStore({ directory: dataDir, policy: ssh.hostKeyPolicy, listed: ssh.hostKeyFingerprints }),
    concurrency,
    idleConnections,
    timeouts: { connectMs: timeouts.connect * 1000, commandMs: timeouts.command * 1000, idleMs: timeouts.idle * 1000 },
  })
}

/** Whether the settings give SSH credentials at all (the generated key counts: it exists once loaded). */
export function isSshConfigured({ ssh }: Settings): boolean {
  return ssh.authentication === 'generated-key' || Boolean(ssh.password)
}
