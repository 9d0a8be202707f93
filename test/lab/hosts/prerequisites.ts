// What the lab needs from the machine: root, and a few Debian packages (list in the README).
import { accessSync, constants, existsSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { run } from './run'

/** Program → Debian package that provides it. */
const REQUIRED_PROGRAMS: Record<string, string> = {
  sshd: 'openssh-server',
  openssl: 'openssl',
  curl: 'curl',
  mount: 'mount',
  hostname: 'hostname',
  setpriv: 'util-linux',
  unshare: 'util-linux',
  nsenter: 'util-linux',
  flock: 'util-linux',
  logger: 'bsdutils',
}
const SEARCH_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']
// Debian's convention for "do not start services now": without it, installing openssh-server
// would start the machine's own sshd on port 22 of every address, where the lab's hosts listen.
const POLICY_RC_D = '/usr/sbin/policy-rc.d'

/** Throws a clear message unless the lab can run here; installs missing packages with apt when it can. */
export async function ensurePrerequisites(): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new Error('the lab needs root: it creates mount namespaces and listens on port 22 of 127.x addresses')
  }
  let missing = missingPackages()
  if (missing.length > 0 && findProgram('apt-get') !== undefined) {
    await aptInstall(missing)
    missing = missingPackages()
  }
  if (missing.length > 0) {
    throw new Error(`the lab needs these Debian packages: apt-get install ${missing.join(' ')}`)
  }
}

function missingPackages(): string[] {
  const packages = Object.entries(REQUIRED_PROGRAMS)
    .filter(([program]) => findProgram(program) === undefined)
    .map(([, pkg]) => pkg)
  return [...new Set(packages)]
}

function findProgram(name: string): string | undefined {
  return SEARCH_PATH.map(dir => join(dir, name)).find(path => {
    try {
      accessSync(path, constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

async function aptInstall(packages: string[]): Promise<void> {
  const ownPolicy = !existsSync(POLICY_RC_D)
  if (ownPolicy) {
    writeFileSync(POLICY_RC_D, '#!/bin/sh\nexit 101\n', { mode: 0o755 })
  }
  const env = { DEBIAN_FRONTEND: 'noninteractive' }
  try {
    await run('apt-get', ['update'], { env })
    await run('apt-get', ['install', '-y', '--no-install-recommends', ...packages], { env })
  } catch (error) {
    console.warn(`lab: could not install ${packages.join(' ')}: ${(error as Error).message}`)
  } finally {
    if (ownPolicy) {
      rmSync(POLICY_RC_D, { force: true })
    }
  }
}
