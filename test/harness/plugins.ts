// Plugin registration, configuration, load, unload and test as xo-server's Plugins mixin
// (xo-mixins/plugins.mjs) does them, with the same Ajv setup for settings (standard JSON Schema, strict
// 'log', strictRequired off, useDefaults, XO's `$multiline`/`$type`/`enumNames` vocabulary), and the
// same metadata rules: `{}` is tried when nothing is stored (silently leaving the plugin unconfigured if
// it fails), a stored configuration must validate, the stored value is the raw one while `configure()`
// gets a clone with defaults filled, and secrets are obfuscated when read back.
import * as Obfuscate from '@vates/obfuscate'
import Ajv from 'ajv'
import cloneDeep from 'lodash/cloneDeep'
import merge from 'lodash/merge'

import { invalidParameters, noSuchObject } from './errors'

export type JsonSchema = Record<string, unknown>

export interface PluginInstance {
  configure?(configuration: unknown, state: { loaded: boolean | undefined }): unknown
  load(): unknown
  unload?(): unknown
  test?(data: unknown): unknown
}

export interface PluginRegistration {
  name: string
  instance: PluginInstance
  configurationSchema?: JsonSchema
  configurationPresets?: Record<string, unknown>
  description?: string
  keywords?: string[]
  testSchema?: JsonSchema
  version?: string
}

/** What xo-server persists per plugin (in Redis there; in memory here). */
export interface PluginMetadata {
  id: string
  autoload: boolean
  configuration?: unknown
}

interface RawPlugin extends PluginRegistration {
  id: string
  configured: boolean
  testable: boolean
  unloadable: boolean
  loaded?: boolean
  loading?: boolean
}

export interface PluginInfo {
  id: string
  name: string
  autoload?: boolean
  description?: string
  loaded?: boolean
  keywords?: string[]
  unloadable: boolean
  version?: string
  configuration: unknown
  configurationPresets?: Record<string, unknown>
  configurationSchema?: JsonSchema
  testable: boolean
  testSchema?: JsonSchema
}

export class Plugins {
  readonly #ajv = new Ajv({ strict: 'log', strictRequired: false, useDefaults: true }).addVocabulary([
    '$multiline',
    '$type',
    'enumNames',
  ])
  readonly #plugins = new Map<string, RawPlugin>()
  /** Persisted metadata by plugin id; seed it to start "after a restart" with a stored configuration. */
  readonly metadata = new Map<string, PluginMetadata>()

  async registerPlugin(registration: PluginRegistration): Promise<void> {
    const { name: id, configurationSchema, instance } = registration
    const plugin: RawPlugin = {
      ...registration,
      id,
      configured: configurationSchema === undefined,
      testable: typeof instance.test === 'function',
      unloadable: typeof instance.unload === 'function',
    }
    this.#plugins.set(id, plugin)

    let metadata = this.metadata.get(id)
    if (metadata === undefined) {
      metadata = { id, autoload: true }
      this.metadata.set(id, metadata)
    }

    if (!plugin.configured) {
      const stored = metadata.configuration
      try {
        await this.#configure(plugin, stored ?? {})
      } catch (error) {
        // An empty configuration that does not validate leaves the plugin registered but unconfigured.
        if (stored === undefined) return
        throw error
      }
    }
    if (metadata.autoload) await this.loadPlugin(id)
  }

  async getPlugin(id: string): Promise<PluginInfo> {
    const plugin = this.#get(id)
    const { autoload, configuration } = this.metadata.get(id) ?? {}
    return {
      id,
      name: plugin.name,
      autoload,
      description: plugin.description,
      loaded: plugin.loaded,
      keywords: plugin.keywords,
      unloadable: plugin.unloadable,
      version: plugin.version,
      configuration: Obfuscate.obfuscate(configuration),
      configurationPresets: plugin.configurationPresets,
      configurationSchema: plugin.configurationSchema,
      testable: plugin.testable,
      testSchema: plugin.testSchema,
    }
  }

  getPlugins(): Promise<PluginInfo[]> {
    return Promise.all([...this.#plugins.keys()].map(id => this.getPlugin(id)))
  }

  async configurePlugin(id: string, configuration: unknown, mergeWithExisting = false): Promise<void> {
    const plugin = this.#get(id)
    const metadata = this.metadata.get(id)
    if (metadata !== undefined) {
      if (mergeWithExisting) configuration = merge({}, metadata.configuration, configuration)
      configuration = Obfuscate.merge(configuration, metadata.configuration)
    }
    await this.#configure(plugin, configuration)
    this.metadata.set(id, { ...(metadata ?? { id, autoload: true }), configuration })
  }

  async loadPlugin(id: string): Promise<void> {
    const plugin = this.#get(id)
    if (plugin.loaded) invalidParameters('plugin already loaded')
    if (!plugin.configured) invalidParameters('plugin not configured')
    if (plugin.loading) invalidParameters('plugin is loading')
    plugin.loading = true
    try {
      await plugin.instance.load()
      plugin.loaded = true
    } finally {
      plugin.loading = false
    }
  }

  async unloadPlugin(id: string): Promise<void> {
    const plugin = this.#get(id)
    if (!plugin.loaded) invalidParameters('plugin already unloaded')
    if (!plugin.unloadable) invalidParameters('plugin cannot be unloaded')
    await plugin.instance.unload!()
    plugin.loaded = false
  }

  async testPlugin(id: string, data: unknown): Promise<void> {
    const plugin = this.#get(id)
    if (!plugin.testable) invalidParameters('plugin not testable')
    if (!plugin.loaded) invalidParameters('plugin not loaded')
    const { testSchema } = plugin
    if (testSchema) {
      if (data == null) invalidParameters([{ field: 'data', message: 'is the wrong type' }])
      const validate = this.#ajv.compile(testSchema)
      if (!validate(data)) invalidParameters(validate.errors ?? [])
    }
    await plugin.instance.test!(data)
  }

  async purgePluginConfiguration(id: string): Promise<void> {
    await this.unloadPlugin(id).catch(() => {})
    const metadata = this.metadata.get(id)
    if (metadata !== undefined) this.metadata.set(id, { ...metadata, configuration: undefined })
  }

  setAutoload(id: string, autoload: boolean): void {
    this.#get(id)
    const metadata = this.metadata.get(id) ?? { id, autoload }
    this.metadata.set(id, { ...metadata, autoload })
  }

  #get(id: string): RawPlugin {
    const plugin = this.#plugins.get(id)
    if (plugin === undefined) noSuchObject(id, 'plugin')
    return plugin!
  }

  async #configure(plugin: RawPlugin, configuration: unknown): Promise<void> {
    const { configurationSchema } = plugin
    if (!configurationSchema) invalidParameters('plugin not configurable')
    const validate = this.#ajv.compile(configurationSchema!)
    const clone = cloneDeep(configuration)
    if (!validate(clone)) invalidParameters(validate.errors ?? [])
    await plugin.instance.configure!(clone, { loaded: plugin.loaded })
    plugin.configured = true
  }
}
