// The API methods of xo-server's core that the harness provides: `system.*` (what xo-cli uses to list
// commands), `session.*` (signing in a WebSocket connection) and `plugin.*` (managing plugins).
import type { ApiNamespace, XoUser } from './api'
import { noSuchObject } from './errors'
import type { Plugins } from './plugins'
import type { XoApp } from './xo-app'

const adminOnly = { permission: 'admin' as const }
const noAuth = { permission: null }

const publicProperties = ({ id, email, permission }: XoUser) => ({ id, email, permission })

export function systemApiMethods(xo: XoApp): ApiNamespace {
  const signatureOf = (name: string) => {
    const { description, params = {}, permission } = xo.apiMethods[name]
    return { description, params, permission }
  }
  return {
    system: {
      getMethodsInfo: [
        () => Object.fromEntries(Object.keys(xo.apiMethods).map(name => [name, signatureOf(name)])),
        { ...noAuth, description: 'returns the signatures of all available API methods' },
      ],
      listMethods: [() => Object.keys(xo.apiMethods), { ...noAuth, description: 'returns the name of all available API methods' }],
      methodSignature: [
        ({ method }: { method: string }) => {
          if (!(method in xo.apiMethods)) noSuchObject()
          return [{ name: method, ...signatureOf(method) }]
        },
        { ...noAuth, description: 'returns the signature of an API method', params: { method: { type: 'string' } } },
      ],
      getVersion: [() => '0.1', { ...noAuth, description: 'API version (unstable)' }],
    },
  }
}

export function sessionApiMethods(xo: XoApp): ApiNamespace {
  const signIn = async (credentials: Record<string, unknown>) => {
    const { connection } = xo.apiContext!
    const { user } = await xo.authenticateUser(credentials)
    connection!.set('user_id', user.id)
    return publicProperties(user)
  }
  return {
    session: {
      signIn: [signIn, { ...noAuth, description: 'sign in' }],
      signInWithPassword: [signIn, { ...noAuth, params: { email: { type: 'string' }, password: { type: 'string' } } }],
      signInWithToken: [signIn, { ...noAuth, params: { token: { type: 'string' } } }],
      signOut: [
        () => xo.apiContext!.connection!.unset('user_id'),
        { description: 'sign out the user from the current session' },
      ],
      getUser: [
        async () => {
          const user = xo.apiContext!.user
          return user === undefined ? null : publicProperties(await xo.getUser(user.id))
        },
        { ...noAuth, description: 'return the currently connected user' },
      ],
    },
  }
}

/** `plugin.*` of xo-server's api/plugin.mjs. */
export function pluginApiMethods(plugins: Plugins): ApiNamespace {
  const id = { type: 'string' }
  return {
    plugin: {
      get: [() => plugins.getPlugins(), { ...adminOnly, description: 'returns a list of all installed plugins' }],
      configure: [
        ({ id, configuration }: { id: string; configuration: unknown }) => plugins.configurePlugin(id, configuration),
        { ...adminOnly, description: 'sets the configuration of a plugin', params: { id, configuration: {} } },
      ],
      disableAutoload: [({ id }: { id: string }) => plugins.setAutoload(id, false), { ...adminOnly, description: '', params: { id } }],
      enableAutoload: [
        ({ id }: { id: string }) => plugins.setAutoload(id, true),
        { ...adminOnly, description: 'enables a plugin, allowing it to be loaded', params: { id } },
      ],
      load: [({ id }: { id: string }) => plugins.loadPlugin(id), { ...adminOnly, description: 'loads a plugin', params: { id } }],
      unload: [({ id }: { id: string }) => plugins.unloadPlugin(id), { ...adminOnly, description: 'unloads a plugin', params: { id } }],
      purgeConfiguration: [
        ({ id }: { id: string }) => plugins.purgePluginConfiguration(id),
        { ...adminOnly, description: 'removes a plugin configuration', params: { id } },
      ],
      test: [
        ({ id, data }: { id: string; data?: unknown }) => plugins.testPlugin(id, data),
        { ...adminOnly, description: 'Test a plugin with its current configuration', params: { id, data: { optional: true } } },
      ],
    },
  }
}
