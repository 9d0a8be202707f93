// The plugin instance xo-server drives: configure → load → (configure while loaded)* → unload.
// Everything load() registers is undone by unload().
import { toApiNamespace } from './api/define'
import { buildMethods } from './api/methods'
import { buildRestRoutes, REST_BASE } from './api/rest'
import { createRuntime, type Runtime } from './runtime'
import { checkSettings } from './services'
import { describeMissing, missingTransports } from './services/alerts/transports'
import { parseSettings, type Settings } from './settings/settings'
import type { PluginOptions, XoApp } from './xo/types'

export class XapiConfigPlugin {
  readonly #xo: XoApp
  readonly #getDataDir: () => Promise<string>
  #settings: Settings = parseSettings({})
  #runtime: Runtime | undefined
  #removers: Array<() => void | Promise<void>> = []

  constructor({ xo, getDataDir }: PluginOptions) {
    this.#xo = xo
    this.#getDataDir = getDataDir
  }

  async configure(configuration: unknown, { loaded }: { loaded?: boolean } = {}): Promise<void> {
    const settings = parseSettings(configuration)
    checkSettings(settings)
    if (loaded) {
      await this.unload()
      this.#settings = settings
      await this.load()
    } else {
      this.#settings = settings
    }
  }

  async load(): Promise<void> {
    const runtime = await createRuntime(this.#xo, this.#settings, await this.#getDataDir())
    this.#runtime = runtime
    this.#removers.push(() => runtime.close())
    const methods = buildMethods(runtime)
    this.#removers.push(this.#xo.addApiMethods(toApiNamespace(methods)))
    if (this.#xo.registerRestRoutes !== undefined) {
      this.#removers.push(this.#xo.registerRestRoutes(buildRestRoutes(methods), REST_BASE))
    }
    for (const remover of runtime.start()) {
      this.#removers.push(remover)
    }
    this.#closeOnShutdown()
  }

  async unload(): Promise<void> {
    const removers = this.#removers.reverse()
    this.#removers = []
    this.#runtime = undefined
    for (const remove of removers) {
      await remove()
    }
  }

  // xo-server never unloads plugins when it stops: close SSH connections and schedules then too.
  #closeOnShutdown(): void {
    const hooks = this.#xo.hooks
    if (hooks !== undefined) {
      const onStop = () => this.unload()
      hooks.on('stop', onStop)
      this.#removers.push(() => hooks.removeListener('stop', onStop))
    }
  }

  /**
   * Settings > Plugins > Test: reaches one host end to end and says what works; fails too when the audit's
   * alerts go to a transport plugin that is not loaded (xo-web shows only a failing test's message).
   */
  async test({ host }: { host: string }): Promise<unknown> {
    if (this.#runtime === undefined) {
      throw new Error('the plugin is not loaded')
    }
    const missing = missingTransports(this.#xo, this.#settings.audit)
    const result = await this.#runtime.services.hosts.test(host).catch((error: Error) => {
      throw missing.length === 0 ? error : Object.assign(new Error(`${error.message}; ${describeMissing(missing)}`), { data: (error as { data?: unknown }).data })
    })
    if (missing.length !== 0) {
      throw Object.assign(new Error(`${result.host.label} works; ${describeMissing(missing)}`), { data: result })
    }
    return result
  }
}
