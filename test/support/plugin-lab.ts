// The setup every end-to-end test shares: a lab, the XO harness connected to each of its pools as
// xo-server would be, and the built plugin loaded with SSH password access to the lab's hosts.
import { createHarness, type Harness, type HarnessOptions } from '../harness'
import { startLab, type Lab, type LabOptions } from '../lab'

export const PLUGIN_ID = 'xapi-config'

/** What the harness needs of a lab: its pools' XAPI and its hosts' SSH access (a lab in another process gives this much). */
export type LabView = Pick<Lab, 'pools' | 'hosts' | 'knownHostsPath'>

export interface PluginHarness<L extends LabView = Lab> {
  lab: L
  harness: Harness
  /** Unloads and loads the plugin: its pooled SSH connections close (they outlive a stopped sshd, as on a real host). */
  reloadPlugin(): Promise<void>
  stop(): Promise<void>
}

export type PluginLab = PluginHarness<Lab>

/** `settings` are merged over SSH password access for the lab's root user; `harnessOptions` shape the stand-in xo-server. */
export async function startPluginLab(
  labOptions: LabOptions,
  settings: Record<string, unknown> = {},
  harnessOptions: Omit<HarnessOptions, 'pools'> = {}
): Promise<PluginLab> {
  const lab = await startLab(labOptions)
  return connectPlugin(lab, () => lab.stop(), settings, harnessOptions)
}

/** The harness and the plugin on a lab already running (here or in another process); `stopLab` runs after the harness stops. */
export async function connectPlugin<L extends LabView>(
  lab: L,
  stopLab: () => Promise<void>,
  settings: Record<string, unknown> = {},
  harnessOptions: Omit<HarnessOptions, 'pools'> = {}
): Promise<PluginHarness<L>> {
  let harness: Harness | undefined
  try {
    harness = await createHarness({
      ...harnessOptions,
      pools: lab.pools.map(pool => ({ ...pool.xapi, label: pool.name_label, allowUnauthorized: true })),
    })
    const { username, password } = lab.hosts[0].ssh
    await harness.loadPlugin(undefined, { ssh: { authentication: 'password', username, password }, ...settings }, { name: PLUGIN_ID })
  } catch (error) {
    await harness?.stop()
    await stopLab()
    throw error
  }
  const ready = harness
  return {
    lab,
    harness: ready,
    async reloadPlugin() {
      await ready.call('plugin.unload', { id: PLUGIN_ID })
      await ready.call('plugin.load', { id: PLUGIN_ID })
    },
    async stop() {
      await ready.stop()
      await stopLab()
    },
  }
}
