// xo-server's entry point: it imports this module, takes `.default` as the factory and reads the
// schemas attached to it (reference: xo-plugin-conventions.md §1.2). Babel's CommonJS output also
// exports them by name, which older loaders read.
import { XapiConfigPlugin } from './plugin'
import { configurationPresets, configurationSchema, testSchema } from './settings/schema'
import type { PluginOptions } from './xo/types'

function pluginFactory(options: PluginOptions): XapiConfigPlugin {
  return new XapiConfigPlugin(options)
}
pluginFactory.configurationSchema = configurationSchema
pluginFactory.configurationPresets = configurationPresets
pluginFactory.testSchema = testSchema

export { configurationPresets, configurationSchema, testSchema }
export default pluginFactory
