// Builds the plugin's SSH access from its settings: the credentials (the generated key pair or the
// password), the host-key policy, the fleet-wide bounds and the timeouts.
import { HostAccess } from '../ssh/host-access'
import { HostKeyStore } from '../ssh/host-key-store'
import { ensureKeyPair } from '../ssh/key-pair'
import type { Settings } from '../settings/settings'
import { DEFAULT_CONFIG_DIR } from '../conf'
import { logWarning } from '../log'
import type { HostSession } from '../ssh/session'
import type { HostDoor } from '../ssh/door'

/** A temp file older than this was left by a write that died (a write takes seconds); margin for clock skew. */
const STALE_TEMP_MS = 15 * 60_000

/** `door`: what opens a host's SSH that XAPI reports disabled (src/services/xapi-ssh), or refuses it. */
export async function createHostAccess(settings: Settings, dataDir: string, door?: HostDoor): Promise<HostAccess> {
  const privateKey = settings.ssh.authentication === 'generated-key' ? (await ensureKeyPair(dataDir)).privateKey : undefined
  return hostAccess(settings, dataDir, privateKey, door)
}

/** Logs in with the settings' password only: installs the generated key on hosts that do not have it yet. */
export async function createPasswordHostAccess(settings: Settings, dataDir: string, door?: HostDoor): Promise<HostAccess> {
  return hostAccess(settings, dataDir, undefined, door)
}

function hostAccess(settings: Settings, dataDir: string, privateKey: string | undefined, door: HostDoor | undefined): HostAccess {
  const { ssh, concurrency, idleConnections, timeouts } = settings
  return new HostAccess({
    credentials: { username: ssh.username, password: ssh.password, privateKey },
    hostKeys: new HostKeyStore({ directory: dataDir, policy: ssh.hostKeyPolicy, listed: ssh.hostKeyFingerprints }),
    concurrency,
    idleConnections,
    timeouts: { connectMs: timeouts.connect * 1000, commandMs: timeouts.command * 1000, idleMs: timeouts.idle * 1000 },
    greet: removeStaleTemps,
    onGreetError: (host, error) => logWarning(`could not remove stale temp files on ${host.label}`, error),
    door,
  })
}

/** Whether the settings give SSH credentials at all (the generated key counts: it exists once loaded). */
export function isSshConfigured({ ssh }: Settings): boolean {
  return ssh.authentication === 'generated-key' || Boolean(ssh.password)
}

/** The first contact with a host (each new connection) removes the plugin's own stale temp files beside /etc/xapi.conf.d. */
function removeStaleTemps(session: HostSession): Promise<string[]> {
  return session.removeStaleTemps(DEFAULT_CONFIG_DIR, STALE_TEMP_MS)
}
