// Small helpers the end-to-end tests share: a plugin call that must fail, and a command run as root on a
// lab host that must succeed.
import assert from 'node:assert/strict'
import type { Harness } from '../harness'
import type { Lab, LabHost } from '../lab'
import { runOverOpenSsh } from '../lab/openssh'

export type XoErrorLike = Error & { code: number; data: any }

/** The error of `method` (`xapiConfig.` unless it names its namespace); fails the test when the call succeeds. */
export async function callError(harness: Harness, method: string, params: Record<string, unknown>): Promise<XoErrorLike> {
  try {
    await harness.call(method.includes('.') ? method : `xapiConfig.${method}`, params)
  } catch (error) {
    return error as XoErrorLike
  }
  throw new Error(`${method} did not fail`)
}

/** Runs `command` over OpenSSH on the host; its stdout, or the test fails with its stderr. */
export async function onHost(lab: Lab, host: LabHost, command: string): Promise<string> {
  const result = await runOverOpenSsh(host, lab.knownHostsPath, command)
  assert.equal(result.code, 0, `${command} on ${host.address}: ${result.stderr}`)
  return result.stdout
}
