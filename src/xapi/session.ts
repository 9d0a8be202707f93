// The plugin's own short-lived XAPI session with one host, for the moments when xo-server's connection
// to the pool cannot be relied on (right after a master restart its client waits up to its event poll
// delay, 60 s by default, before it answers again). It logs in at the host itself; a member answers
// HOST_IS_SLAVE with its master's address, which is then used. A session that XAPI forgot (the master
// restarted) is opened again at the next call.
import { callJsonRpc, XapiError, type JsonRpcTarget } from './json-rpc'

export interface XapiCredentials {
  username: string
  password: string
  allowUnauthorized: boolean
}

/** What the restart needs of any XAPI connection: xo-server's pool client and this session both have it. */
export interface XapiCaller {
  call<T = unknown>(method: string, ...args: unknown[]): Promise<T>
}

const ORIGINATOR = 'xo-server-xapi-config'

export class DirectXapiSession implements XapiCaller {
  readonly #credentials: XapiCredentials
  readonly #timeoutMs: number
  #address: string
  /** Shared by concurrent calls: one login at a time. */
  #session: Promise<string> | undefined

  constructor(address: string, credentials: XapiCredentials, timeoutMs: number) {
    this.#address = address
    this.#credentials = credentials
    this.#timeoutMs = timeoutMs
  }

  async call<T = unknown>(method: string, ...args: unknown[]): Promise<T> {
    const opening = this.#openSession()
    try {
      const session = await opening // first: the login may move to the master
      return await callJsonRpc<T>(this.#target(), method, [session, ...args])
    } catch (error) {
      if (!(error instanceof XapiError && error.code === 'SESSION_INVALID')) {
        throw error
      }
      if (this.#session === opening) {
        this.#session = undefined
      }
      const session = await this.#openSession()
      return callJsonRpc<T>(this.#target(), method, [session, ...args])
    }
  }

  /** Ends the session; a host that does not answer any more is not waited for. */
  async close(): Promise<void> {
    const session = await this.#session?.catch(() => undefined)
    this.#session = undefined
    if (session !== undefined) {
      await callJsonRpc(this.#target(), 'session.logout', [session]).catch(() => {})
    }
  }

  #openSession(): Promise<string> {
    const opening = (this.#session ??= this.#login())
    // A failed login is tried again at the next call (XAPI may be starting).
    opening.catch(() => this.#session === opening && (this.#session = undefined))
    return opening
  }

  async #login(): Promise<string> {
    try {
      return await this.#loginAt()
    } catch (error) {
      const master = error instanceof XapiError && error.code === 'HOST_IS_SLAVE' ? error.params[0] : undefined
      if (typeof master !== 'string' || master === this.#address) {
        throw error
      }
      this.#address = master
      return this.#loginAt()
    }
  }

  #loginAt(): Promise<string> {
    const { username, password } = this.#credentials
    return callJsonRpc<string>(this.#target(), 'session.login_with_password', [username, password, '1.0', ORIGINATOR])
  }

  #target(): JsonRpcTarget {
    return { address: this.#address, allowUnauthorized: this.#credentials.allowUnauthorized, timeoutMs: this.#timeoutMs }
  }
}
