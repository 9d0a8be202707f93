// The lab: simulated XCP-ng pools on this machine (issue 3). startLab() creates the hosts (real
// OpenSSH servers in their own mount namespaces, see hosts/) and starts the XAPI simulator (xapi/).
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import type { SimPool } from './contract'
import { LabHostRuntime } from './hosts/host'
import { claimLabDirectory, type LabDirectory } from './hosts/labDirectory'
import { mapWithConcurrency } from './hosts/limit'
import { portAnswers } from './hosts/port'
import { ensurePrerequisites } from './hosts/prerequisites'
import { createLabCredentials, type LabCredentials } from './hosts/secrets'
import { destroyLabDirectory } from './hosts/teardown'
import { buildManifest } from './manifest'
import { planLab, type PlannedPool } from './plan'
import type { LabHost, LabManifest, LabOptions, LabPool } from './types'
import { startXapiSim } from './xapi'

export * from './types'
export { SSH_MONITOR_PERIOD_MS } from './xapi'

export type XapiSimControls = Awaited<ReturnType<typeof startXapiSim>>

export interface LabControls {
  /** Stops the host's sshd listener (its port then refuses connections); its files stay. */
  stopSsh(hostUuid: string): Promise<void>
  startSsh(hostUuid: string): Promise<void>
  /** A real TCP connection to the host's port 22: true when accepted, false when refused. */
  sshListening(hostUuid: string): Promise<boolean>
  /** Gives the host a new SSH host key and restarts its sshd; returns the new fingerprint. */
  changeHostKey(hostUuid: string): Promise<string>
  /** Fills the host's small /etc file system: writing a file in /etc then fails with ENOSPC. */
  fillDisk(hostUuid: string): Promise<void>
  freeDisk(hostUuid: string): Promise<void>
  /** The XAPI simulator's own controls (XAPI up/down, slow hosts, HA, tasks…). */
  xapi: XapiSimControls
}

export interface Lab {
  /** The lab's id, also its addresses' second octet: 127.<id>.<pool>.<host>. */
  id: string
  /** The lab's state folder. */
  dir: string
  pools: LabPool[]
  hosts: LabHost[]
  caCertificatePath: string
  caCertificate: string
  /** An OpenSSH known_hosts file listing every host's current key. */
  knownHostsPath: string
  controls: LabControls
  /** Built on each read, so that it shows changed host keys. */
  readonly manifest: LabManifest
  /** Stops everything; leaves no process, mount, address listener or folder behind. */
  stop(): Promise<void>
}

const DEFAULT_START_CONCURRENCY = 16
const SSH_USERNAME = 'root'

export async function startLab(options: LabOptions = {}): Promise<Lab> {
  await ensurePrerequisites()
  const directory = await claimLabDirectory(options.secondOctet)
  // If the process ends without stop(), still remove what can be removed synchronously.
  const removeOnExit = (): void => destroyLabDirectory(directory.dir)
  process.once('exit', removeOnExit)
  let xapi: XapiSimControls | undefined
  const teardown = async (): Promise<void> => {
    process.removeListener('exit', removeOnExit)
    await xapi?.close()
    destroyLabDirectory(directory.dir)
  }
  try {
    const plan = planLab(options, directory.secondOctet)
    const credentials = await createLabCredentials(directory.dir, directory.id)
    const runtimes = await startHosts(directory, plan, credentials, options.startConcurrency ?? DEFAULT_START_CONCURRENCY)
    const pools = simPools(plan, runtimes, credentials)
    xapi = await startXapiSim({ pools, clockSpeed: options.clockSpeed, timings: options.xapiTimings })
    const lab = assembleLab(directory, plan, runtimes, credentials, xapi, teardown)
    await writeKnownHosts(lab.knownHostsPath, runtimes.values())
    return lab
  } catch (error) {
    await teardown()
    throw error
  }
}

async function startHosts(
  directory: LabDirectory,
  plan: PlannedPool[],
  { secrets }: LabCredentials,
  concurrency: number
): Promise<Map<string, LabHostRuntime>> {
  const specs = plan.flatMap(pool => pool.hosts)
  const runtimes = await mapWithConcurrency(specs, concurrency, spec => LabHostRuntime.start(directory.dir, spec, secrets))
  return new Map(runtimes.map(runtime => [runtime.spec.uuid, runtime]))
}

function simPools(plan: PlannedPool[], runtimes: Map<string, LabHostRuntime>, { password }: LabCredentials): SimPool[] {
  return plan.map(pool => ({
    uuid: pool.uuid,
    name_label: pool.name_label,
    hosts: pool.hosts.map(host => runtimes.get(host.uuid)!.simHost()),
    credentials: { username: SSH_USERNAME, password },
  }))
}

function assembleLab(
  directory: LabDirectory,
  plan: PlannedPool[],
  runtimes: Map<string, LabHostRuntime>,
  credentials: LabCredentials,
  xapi: XapiSimControls,
  stop: () => Promise<void>
): Lab {
  const pools = plan.map(pool => labPool(pool, runtimes, credentials))
  const hosts = pools.flatMap(pool => pool.hosts)
  const knownHostsPath = join(directory.dir, 'known_hosts')
  const runtimeOf = (hostUuid: string): LabHostRuntime => {
    const runtime = runtimes.get(hostUuid)
    if (runtime === undefined) {
      throw new Error(`no host ${hostUuid} in lab ${directory.id}`)
    }
    return runtime
  }
  const controls: LabControls = {
    stopSsh: hostUuid => runtimeOf(hostUuid).sshd.stop(),
    startSsh: hostUuid => runtimeOf(hostUuid).sshd.start(),
    sshListening: hostUuid => portAnswers(runtimeOf(hostUuid).spec.address, 22),
    changeHostKey: async hostUuid => {
      const { fingerprint } = await runtimeOf(hostUuid).changeHostKey()
      hosts.find(host => host.uuid === hostUuid)!.ssh.hostKeyFingerprint = fingerprint
      await writeKnownHosts(knownHostsPath, runtimes.values())
      return fingerprint
    },
    fillDisk: hostUuid => runtimeOf(hostUuid).fillDisk(),
    freeDisk: hostUuid => runtimeOf(hostUuid).freeDisk(),
    xapi,
  }
  let stopping: Promise<void> | undefined
  return {
    id: directory.id,
    dir: directory.dir,
    pools,
    hosts,
    caCertificatePath: credentials.secrets.ca.certPath,
    caCertificate: credentials.secrets.ca.cert,
    knownHostsPath,
    controls,
    get manifest() {
      return buildManifest(credentials.secrets.ca.certPath, pools)
    },
    stop: () => (stopping ??= stop()),
  }
}

function labPool(pool: PlannedPool, runtimes: Map<string, LabHostRuntime>, credentials: LabCredentials): LabPool {
  const master = pool.hosts[0]
  return {
    uuid: pool.uuid,
    name_label: pool.name_label,
    master: master.uuid,
    xapi: { url: `https://${master.address}`, username: SSH_USERNAME, password: credentials.password },
    hosts: pool.hosts.map(spec => ({
      uuid: spec.uuid,
      name_label: spec.name_label,
      address: spec.address,
      poolUuid: pool.uuid,
      isMaster: spec === master,
      release: spec.release,
      ssh: {
        port: 22,
        username: SSH_USERNAME,
        password: credentials.password,
        privateKeyPath: credentials.clientKey.privateKeyPath,
        privateKey: credentials.clientKey.privateKey,
        hostKeyFingerprint: runtimes.get(spec.uuid)!.hostKey.fingerprint,
      },
      https: { port: 443, certificate: spec.certificate },
    })),
  }
}

async function writeKnownHosts(path: string, runtimes: Iterable<LabHostRuntime>): Promise<void> {
  const lines = [...runtimes].map(runtime => {
    const [type, key] = runtime.hostKey.publicKey.split(' ')
    return `${runtime.spec.address} ${type} ${key}\n`
  })
  await writeFile(path, lines.join(''))
}
