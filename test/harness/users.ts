// XO users and their credentials, for the three ways a caller authenticates: in-process calls name the
// user, the WebSocket API signs in with a password or a token, REST uses the `authenticationToken`
// cookie (or `token`) or HTTP Basic. Two users exist from the start: an admin and a plain user.
import { randomBytes } from 'node:crypto'

import type { XoUser } from './api'
import { invalidCredentials, noSuchObject } from './errors'

export interface UserCredentials {
  password: string
  token: string
}

export const ADMIN: XoUser = Object.freeze({ id: 'harness-admin', email: 'admin@admin.net', permission: 'admin' })
export const USER: XoUser = Object.freeze({ id: 'harness-user', email: 'user@example.net', permission: 'none' })

export class Users {
  readonly #users = new Map<string, { user: XoUser; credentials: UserCredentials }>()

  constructor() {
    this.add(ADMIN, { password: 'admin' })
    this.add(USER, { password: 'user' })
  }

  /** Adds a user; returns its credentials (a random token unless given). */
  add(user: XoUser, { password, token = randomBytes(16).toString('hex') }: { password: string; token?: string }): UserCredentials {
    const credentials = { password, token }
    this.#users.set(user.id, { user, credentials })
    return credentials
  }

  getUser(id: string): XoUser {
    const entry = this.#users.get(id)
    if (entry === undefined) noSuchObject(id, 'user')
    return entry!.user
  }

  credentialsOf(id: string): UserCredentials {
    this.getUser(id)
    return this.#users.get(id)!.credentials
  }

  /** `{ token }`, or `{ email | username, password }`; throws `invalidCredentials` otherwise. */
  authenticate(credentials: { token?: unknown; email?: unknown; username?: unknown; password?: unknown }): XoUser {
    const name = credentials.email ?? credentials.username
    for (const { user, credentials: known } of this.#users.values()) {
      const byToken = credentials.token !== undefined && credentials.token === known.token
      const byPassword = name !== undefined && name === user.email && credentials.password === known.password
      if (byToken || byPassword) return user
    }
    return invalidCredentials()
  }
}
