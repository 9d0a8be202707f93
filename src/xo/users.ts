// The user who made a call, as the plugin names them: to other calls and in logs (`userName`), and in
// its journals (`userRecord`).
import type { XoUser } from './types'

/** A user as the journals keep them; `null` for the plugin's own work (the scheduled audit). */
export type UserRecord = { id: string; name?: string } | null

export function userRecord(user: XoUser | undefined): UserRecord {
  return user === undefined ? null : { id: user.id, name: user.name ?? user.email }
}

/** Who holds a pool or made a change, as a refusal or a log line names them. */
export function userName(user: XoUser | undefined): string | undefined {
  return user === undefined ? undefined : (user.email ?? user.name ?? user.id)
}
