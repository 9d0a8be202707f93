// `npm run xo -- [--pools N] [--hosts N]`: a lab, the XO harness with the built plugin loaded, and the
// harness served as xo-server serves itself (JSON-RPC over WebSocket at /api/ for xo-lib, the REST API
// under /rest/v0), on 127.0.0.1, until Ctrl-C. For trying the plugin by hand.
import { join } from 'node:path'
import { parseArgs } from 'node:util'

import { startPluginLab } from '../support/plugin-lab'
import { routeWarningsTo } from './library-log'

async function main(): Promise<void> {
  const libraryLog = routeWarningsTo(join(__dirname, '..', '..', 'xo.log'))
  const { values } = parseArgs({ options: { pools: { type: 'string', default: '2' }, hosts: { type: 'string', default: '3' } } })
  const fleet = await startPluginLab({ pools: Number(values.pools), hostsPerPool: Number(values.hosts) }, { audit: { paused: true } })
  const { lab, harness } = fleet
  const token = harness.xo.users.credentialsOf(harness.admin.id).token
  console.log(`XO endpoint: ${harness.url} (JSON-RPC over WebSocket at ${harness.url}/api/, REST at ${harness.url}/rest/v0)
Admin: admin@admin.net / admin (token ${token})

  node -e "const Xo = require('xo-lib').default; const xo = new Xo({ url: '${harness.url}' });
    xo.open().then(() => xo.signIn({ email: 'admin@admin.net', password: 'admin' }))
      .then(() => xo.call('xapiConfig.audit')).then(r => console.log(JSON.stringify(r.summary))).then(() => process.exit())"
  curl -s -b authenticationToken=${token} ${harness.url}/rest/v0/plugins/xapi-config/hsts

Pools: ${lab.pools.map(pool => `${pool.name_label} ${pool.uuid} (master ${pool.hosts[0].address})`).join(', ')}
The XAPI client's reconnection messages (while hosts restart) go to ${libraryLog.path}.
Ctrl-C stops everything.`)

  const stop = async (): Promise<void> => {
    await fleet.stop()
    process.exit(0)
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch(error => {
  console.error(error)
  process.exit(1)
})
