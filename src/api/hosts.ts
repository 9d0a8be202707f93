// Read-only methods and the SSH key chores.
import { CATALOG } from '../conf'
import type { Services } from '../services'
import type { MethodTable } from './define'
import { hostParam, poolsParam, scopeParams } from './params'

export function hostMethods(services: Services): MethodTable {
  return {
    keys: {
      description:
        'The catalog of XAPI configuration keys: type, default, description, first XAPI version, and whether the plugin ' +
        'manages it (managed), needs `expert: true` (expert) or refuses it (forbidden)',
      params: {
        class: { type: 'string', enum: ['managed', 'expert', 'forbidden'], optional: true, description: 'only keys of this class' },
      },
      async handler({ class: keyClass }: { class?: string }) {
        return CATALOG.filter(entry => keyClass === undefined || entry.class === keyClass)
      },
    },
    getHost: {
      description:
        "A host's /etc/xapi.conf and /etc/xapi.conf.d over SSH: each file with its parsed lines, the effective " +
        'configuration with the file and line of each value and what it shadowed, and whether XAPI would start',
      params: { host: hostParam },
      handler: ({ host }: { host: string }) => services.hosts.getHost(host),
    },
    audit: {
      description:
        'For every host of the pools (default: every connected pool), concurrently: reachability over SSH, whether XAPI ' +
        'would start with its files, the files the plugin manages, the keys whose value differs between hosts of a pool ' +
        '(drift), and compliance with the desired drop-ins of the settings. An unreachable host is reported, not fatal',
      params: { pools: poolsParam },
      handler: (params: { pools?: string[] }) => services.audit.audit(params),
    },
    getPublicKey: {
      description: "The plugin's SSH public key (generated in its data directory), to put in root's authorized_keys on hosts",
      params: {},
      handler: () => services.hosts.publicKey(),
    },
    installPublicKey: {
      description:
        "Adds the plugin's public key to root's ~/.ssh/authorized_keys on every host of a pool (or the listed hosts), " +
        'logging in with the SSH password of the settings once; existing keys are kept',
      params: scopeParams,
      handler: (params: { pool?: string; hosts?: string[] }) => services.hosts.installPublicKeyOn(params),
    },
    forgetHostKey: {
      description:
        "Forgets the SSH host key pinned for a host, after you checked that its new key is legitimate (e.g. the host was " +
        'reinstalled); the next connection pins the key the host presents then',
      params: { host: hostParam },
      handler: ({ host }: { host: string }) => services.hosts.forgetHostKey(host),
    },
  }
}
