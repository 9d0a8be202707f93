// The shapes of a rollout: what the caller asks, what each pool reached, what the journal keeps. Every
// field is plain JSON: the API returns them as they are and `history` lists them.
import type { XoUser } from '../../xo/types'
import type { UserRecord } from '../../xo/users'
import type { RestartWindow } from './window'

/** One change, in the form of the single-pool method that makes it (its params without the scope and `restart`). */
export interface RolloutChange {
  apply?: Record<string, unknown>
  removeFile?: Record<string, unknown>
  setTaskTimeout?: Record<string, unknown>
  setHsts?: Record<string, unknown>
  /** Converge to the settings' desired drop-ins. */
  desired?: boolean
}

export type RestartChoice = 'now' | 'no' | 'window'

export interface RolloutParams {
  change?: RolloutChange
  /** Pool ids; default: every pool the change applies to. */
  pools?: string[]
  canary?: string
  poolsAtOnce?: number
  maxFailedPools?: number
  restart?: RestartChoice
  window?: RestartWindow
  preview?: boolean
  /** Continue a stopped, partial, waiting or interrupted rollout. */
  resume?: string
}

/**
 * Where a pool is:
 * - `not-reached`: the rollout stopped before it (or has not come to it yet);
 * - `skipped`: nothing to do (every host already holds the result);
 * - `refused`: the change gate or the restart check refused it before anything was written;
 * - `failed`: its write or its restart failed (see `written` and `reason`);
 * - `changed`: written, no restart asked;
 * - `restart-pending`: written, its restart waits for the window;
 * - `restarted`: written and restarted.
 */
export type PoolState = 'not-reached' | 'skipped' | 'refused' | 'failed' | 'changed' | 'restart-pending' | 'restarted'

export interface PoolProgress {
  pool: { id: string; label: string }
  /** 0 for the canary, then 1, 2… */
  wave: number
  state: PoolState
  /** Why it was skipped, refused, failed or deferred. */
  reason?: string
  /** Set once its files are written: the journal's change ids and the hosts whose file changed (the ones to restart). */
  written?: { changeIds: string[]; hosts: string[]; at: string }
  /** Set once its restart is over. */
  restartedAt?: string
  /** Set while its files are being written or its hosts restarted: a rollout interrupted then leaves it on disk. */
  inProgress?: 'writing' | 'restarting'
  /** A resume found its files changed since this rollout wrote them, and planned it again. */
  replanned?: boolean
}

/**
 * `running` only on disk while it runs; readers see `interrupted` when xo-server stopped during it.
 * `partial`: every pool was reached, but some failed or were refused (no more than `maxFailedPools`).
 */
export type RolloutStatus = 'running' | 'done' | 'partial' | 'stopped' | 'waiting' | 'interrupted'

export interface RolloutRecord {
  id: string
  kind: 'rollout'
  at: string
  finishedAt?: string
  user: UserRecord
  /** The request as made, whole (a resume makes exactly this change; the schema bounds it), kept to resume it. */
  request: Omit<RolloutParams, 'preview' | 'resume'>
  /** The change's form and a one-line description. */
  change: string
  status: RolloutStatus
  /** Resumes of this rollout, with when they started. */
  resumedAt?: string[]
  canary: string
  pools: PoolProgress[]
}

export interface RolloutContext {
  user?: XoUser
}
