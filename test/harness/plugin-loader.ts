// Loading a plugin package as xo-server's `registerPlugin(pluginPath, pluginName)` (index.mjs) does it:
// `import()` of the path resolved with CommonJS rules, keep `.default`, read description/keywords/version
// from its package.json, take the factory from `.default` (falling back to the module) and the schemas
// from the module, call each of them that is a function with `{ staticConfig, xo, getDataDir }`, then
// register.
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

import type { JsonSchema, PluginInstance, Plugins } from './plugins'

export interface PluginFactoryOptions {
  xo: unknown
  staticConfig: Record<string, unknown>
  getDataDir(): Promise<string>
}

interface PluginModule {
  default?: unknown
  configurationSchema?: unknown
  configurationPresets?: unknown
  testSchema?: unknown
}

async function readPackageInfo(pluginPath: string): Promise<{ description?: string; keywords?: string[]; version: string }> {
  try {
    const { description, keywords, version = 'unknown' } = JSON.parse(await readFile(join(pluginPath, 'package.json'), 'utf8'))
    return { description, keywords, version }
  } catch {
    return { version: 'unknown' }
  }
}

function callIfFunction(value: unknown, options: PluginFactoryOptions): unknown {
  return typeof value === 'function' ? value(options) : value
}

export async function registerPluginPackage(
  plugins: Plugins,
  xo: unknown,
  { pluginPath, name, dataDir, staticConfig = {} }: { pluginPath: string; name: string; dataDir: string; staticConfig?: Record<string, unknown> }
): Promise<void> {
  const plugin = ((await import(require.resolve(pluginPath))) as { default: PluginModule }).default
  const { description, keywords, version } = await readPackageInfo(pluginPath)

  const options: PluginFactoryOptions = {
    staticConfig,
    xo,
    async getDataDir() {
      const dir = join(dataDir, name)
      await mkdir(dir, { recursive: true })
      return dir
    },
  }
  const factory = plugin.default ?? plugin
  const [instance, configurationSchema, configurationPresets, testSchema] = await Promise.all(
    [factory, plugin.configurationSchema, plugin.configurationPresets, plugin.testSchema].map(value =>
      callIfFunction(value, options)
    )
  )
  await plugins.registerPlugin({
    name,
    instance: instance as PluginInstance,
    configurationSchema: configurationSchema as JsonSchema | undefined,
    configurationPresets: configurationPresets as Record<string, unknown> | undefined,
    description,
    keywords,
    testSchema: testSchema as JsonSchema | undefined,
    version,
  })
}
