// npm run lab -- --pools 2 --hosts 3 --manifest lab.json
// Starts a lab, writes its manifest, prints a summary and runs until SIGINT or SIGTERM.
import { writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'

import { HARDENED_SSH, startLab, type CertificateKind, type Lab, type LabOptions, type XcpngRelease } from './index'

const USAGE = `Usage: npm run lab -- [options]
  --pools N            pools (default 1)
  --hosts N            hosts per pool (default 3)
  --manifest FILE      write the lab manifest (JSON) to FILE
  --release 8.2|8.3    XCP-ng release of every host (default 8.3)
  --certificate KIND   self-signed | ca-signed | expired | wrong-name (default self-signed)
  --clock-speed X      simulated XAPI clock speed (default 1)
  --ssh-hardened       SSH disabled with XAPI's auto mode on, on every 8.3 host (default: SSH enabled)
  --second-octet N     addresses 127.N.<pool>.<host> (default: first free from 77)`

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      pools: { type: 'string' },
      hosts: { type: 'string' },
      manifest: { type: 'string' },
      release: { type: 'string' },
      certificate: { type: 'string' },
      'clock-speed': { type: 'string' },
      'ssh-hardened': { type: 'boolean' },
      'second-octet': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(USAGE)
    return
  }
  const options: LabOptions = {
    pools: optionalNumber(values.pools),
    hostsPerPool: optionalNumber(values.hosts),
    release: values.release as XcpngRelease | undefined,
    certificate: values.certificate as CertificateKind | undefined,
    clockSpeed: optionalNumber(values['clock-speed']),
    ssh: values['ssh-hardened'] === true ? HARDENED_SSH : undefined,
    secondOctet: optionalNumber(values['second-octet']),
  }
  const started = Date.now()
  const lab = await startLab(options)
  const stop = (): void => {
    lab.stop().then(() => process.exit(0), error => {
      console.error(error)
      process.exit(1)
    })
  }
  process.once('SIGINT', stop).once('SIGTERM', stop)
  if (values.manifest !== undefined) {
    await writeFile(values.manifest, `${JSON.stringify(lab.manifest, null, 2)}\n`)
  }
  printSummary(lab, Date.now() - started, values.manifest)
}

function printSummary(lab: Lab, durationMs: number, manifestPath: string | undefined): void {
  const lines = [
    `Lab ${lab.id}: ${lab.pools.length} pool(s), ${lab.hosts.length} host(s), started in ${(durationMs / 1000).toFixed(1)} s (${lab.dir})`,
    ...lab.pools.map(pool => `  ${pool.name_label} ${pool.uuid}: XAPI ${pool.xapi.url}, hosts ${pool.hosts.map(host => host.address).join(' ')}`),
    `  root password (SSH and XAPI): ${lab.hosts[0].ssh.password}`,
    `  SSH key: ${lab.hosts[0].ssh.privateKeyPath}   known_hosts: ${lab.knownHostsPath}`,
    `  CA certificate: ${lab.caCertificatePath}`,
    ...(manifestPath === undefined ? [] : [`  manifest: ${resolve(manifestPath)}`]),
    `  e.g. ssh -i ${lab.hosts[0].ssh.privateKeyPath} -o UserKnownHostsFile=${lab.knownHostsPath} root@${lab.hosts[0].address}`,
    'Press Ctrl-C to stop the lab.',
  ]
  console.log(lines.join('\n'))
}

function optionalNumber(value: string | undefined): number | undefined {
  if (value === undefined) {
    return undefined
  }
  const number = Number(value)
  if (!Number.isFinite(number)) {
    throw new Error(`not a number: ${value}\n${USAGE}`)
  }
  return number
}

main().catch(error => {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
})
