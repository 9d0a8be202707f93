// `npm run test:xo-server`: the suite against a real xo-server when XO_SERVER_DIR names a from-source
// Xen Orchestra checkout with xo-server and xo-cli built (docs/real-xo-server.md); otherwise one line
// saying it was skipped, and success.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { checkoutProblem } from './real-xo'

const ROOT = join(__dirname, '..', '..')
const monorepo = process.env.XO_SERVER_DIR

if (monorepo === undefined || monorepo === '') {
  console.log('real xo-server suite skipped: XO_SERVER_DIR is not set (a Xen Orchestra checkout with xo-server and xo-cli built; see docs/real-xo-server.md)')
  process.exit(0)
}
const problem = checkoutProblem(monorepo)
if (problem !== undefined) {
  console.error(`real xo-server suite: XO_SERVER_DIR=${monorepo} cannot be used: ${problem}`)
  process.exit(1)
}
const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' })
if (build.status !== 0) {
  process.exit(build.status ?? 1)
}
const mocha = spawnSync(process.execPath, [require.resolve('mocha/bin/mocha.js'), 'test/xo-server/*.suite.ts'], { cwd: ROOT, stdio: 'inherit' })
process.exit(mocha.status ?? 1)
