// The change a rollout makes, in the form of the single-pool method that makes it: for each pool, the
// file changes it is made of, each planned (with the change gate's refusals) and written through that
// same method, with its own restart off (the rollout restarts the pool itself, through the restart
// service). The desired state may be several files in one pool: each is a change of its own, and when one
// fails the pool's earlier files are reverted (./pool-step.ts), so a pool gets all of them or none.
import { DEFAULT_MANAGED_FILE } from '../../conf'
import { invalidParameters, paramError } from '../../xo/errors'
import type { XoUser } from '../../xo/types'
import type { ChangeResult, DropInService } from '../dropins'
import { taskTimeoutSettings, type ApplyParams, type RemoveParams, type TaskTimeoutParams } from '../dropins'
import { checkChangeParams, type ChangePlan } from '../dropins/plan'
import { checkRemovableName } from '../dropins/names'
import type { HstsService } from '../hsts/service'
import { valueToWrite, type SetHstsParams } from '../hsts/set'
import { HSTS_KEY } from '../hsts/verdict'
import type { RolloutChange } from './types'

export const FORMS = ['apply', 'removeFile', 'setTaskTimeout', 'setHsts', 'desired'] as const
export type FormName = (typeof FORMS)[number]

/** One file's change in one pool. */
export interface FileChange {
  file: string
  plan(): Promise<ChangePlan>
  write(user?: XoUser): Promise<ChangeResult>
}

export interface ChangeForm {
  name: FormName
  /** The pools it applies to when the caller names none. */
  defaultPools(): string[]
  /** Checks the change's params before any pool is looked up (invalidParameters). */
  check(): void
  /** Refuses a pool it does not apply to (invalidParameters). */
  checkPool(poolId: string): void
  changesOf(poolId: string): FileChange[]
}

export interface FormDeps {
  dropIns: DropInService
  hsts: HstsService
  /** Every pool XO shows now. */
  connectedPools(): string[]
}

/** The one form the change is given in; invalidParameters unless exactly one. */
export function formOf(change: RolloutChange): FormName {
  const given = FORMS.filter(name => change[name] !== undefined && change[name] !== false)
  if (given.length !== 1) {
    invalidParameters(`give exactly one of ${FORMS.join(', ')} in \`change\``, [paramError('change', 'exactly one form', { given })])
  }
  return given[0]
}

export function changeForm(change: RolloutChange, deps: FormDeps): ChangeForm {
  const name = formOf(change)
  const anyPool = { defaultPools: deps.connectedPools, checkPool: () => {}, check: () => {} }
  switch (name) {
    case 'apply':
      return { name, ...anyPool, check: () => void checkChangeParams(change.apply as unknown as ApplyParams), changesOf: pool => [applyChange(deps, { ...(change.apply as unknown as ApplyParams), pool })] }
    case 'setTaskTimeout':
      return { name, ...anyPool, changesOf: pool => [taskTimeoutChange(deps, { ...(change.setTaskTimeout as unknown as TaskTimeoutParams), pool })] }
    case 'setHsts':
      return { name, ...anyPool, check: () => void valueToWrite(change.setHsts as unknown as SetHstsParams), changesOf: pool => [hstsChange(deps, { ...(change.setHsts as unknown as SetHstsParams), pool })] }
    case 'removeFile':
      return { name, ...anyPool, check: () => void checkRemovableName((change.removeFile as unknown as RemoveParams).file), changesOf: pool => [removal(deps, { ...(change.removeFile as unknown as RemoveParams), pool })] }
    case 'desired':
      return desiredForm(deps)
  }
}

function applyChange({ dropIns }: FormDeps, params: ApplyParams): FileChange {
  const request = { ...params, restart: false }
  return { file: fileOf(params.file), plan: () => dropIns.plan(request), write: user => dropIns.apply(request, { user }) }
}

function taskTimeoutChange({ dropIns }: FormDeps, params: TaskTimeoutParams): FileChange {
  const { pool } = params
  return {
    file: fileOf(undefined),
    plan: () => dropIns.plan({ pool, settings: taskTimeoutSettings(params) }),
    write: user => dropIns.setTaskTimeout({ ...params, restart: false }, { user }),
  }
}

function hstsChange({ dropIns, hsts }: FormDeps, params: SetHstsParams): FileChange {
  const { pool, allowUntrustedCertificate } = params
  return {
    file: fileOf(undefined),
    plan: () => dropIns.plan({ pool, settings: { [HSTS_KEY.key]: valueToWrite(params) }, allowUntrustedCertificate }),
    write: async user => (await hsts.set({ ...params, restart: false }, { user })).change as ChangeResult,
  }
}

function removal({ dropIns }: FormDeps, params: RemoveParams & { allowUntrustedCertificate?: boolean }): FileChange {
  const request = { ...params, restart: false }
  return { file: params.file, plan: () => dropIns.planRemoval(request), write: user => dropIns.removeFile(request, { user }) }
}

function desiredForm({ dropIns }: FormDeps): ChangeForm {
  const { desired } = dropIns
  return {
    name: 'desired',
    defaultPools: () => desired.targetedPools(),
    check() {
      if (desired.entries.length === 0) {
        invalidParameters('the settings have no desired drop-in to converge to', [paramError('change.desired', 'no desired drop-in in the settings')])
      }
    },
    checkPool(poolId) {
      if (desired.entriesFor(poolId).length === 0) {
        invalidParameters('no desired drop-in of the settings targets this pool', [paramError('pools', 'not targeted by the desired state', { pool: poolId })])
      }
    },
    changesOf: pool =>
      desired.entriesFor(pool).map(entry => ({
        file: entry.file,
        plan: () => desired.planPool(entry, pool),
        write: user => desired.writePool(entry, pool, user),
      })),
  }
}

function fileOf(file: string | undefined): string {
  return file ?? DEFAULT_MANAGED_FILE
}
