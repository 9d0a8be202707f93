// The setup every end-to-end test shares: a lab, the XO harness connected to each of its pools as
// xo-server would be, and the built plugin loaded with SSH password access to the lab's hosts.
import { createHarness, type Harness, type HarnessOptions } from '../harness'
import { startLab, type Lab, type LabOptions } from '../lab'

export const PLUGIN_ID = 'xapi-config'

export interface PluginLab {
  lab: Lab
  harness: Harness
  /** Unloads and loads the plugin: its pooled SSH connections close (they outlive a stopped sshd, as on a real host). */
  reloadPlugin(): Promise<void>
  stop(): Promise<void>
}

/** `settings` are merged over SSH password access for the lab's root user; `harnessOptions` shape the stand-in xo-server. */
export async function startPluginLab(
  labOptions: LabOptions,
  settings: Record<string, unknown> = {},
  harnessOptions: Omit<HarnessOptions, 'pools'> = {}
): Promise<PluginLab> {
  const lab = await startLab(labOptions)
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
    await lab.stop()
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
      await lab.stop()
    },
  }
}
