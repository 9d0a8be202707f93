import type { SoftwareVersion } from '../contract'

export type XcpngRelease = '8.2' | '8.3'

const RELEASES: Record<XcpngRelease, { product_version: string; platform_version: string; xapi_build: string; xen: string }> = {
  '8.2': { product_version: '8.2.1', platform_version: '3.2.1', xapi_build: '1.249.41', xen: '4.13.5' },
  '8.3': { product_version: '8.3.0', platform_version: '3.4.0', xapi_build: '26.1.3', xen: '4.17.5' },
}

/** `host.software_version` of a lab host, as XCP-ng 8.2 (xapi 1.249) or 8.3 (xapi 26.1) reports it. */
export function softwareVersion(release: XcpngRelease, hostname: string): SoftwareVersion {
  const versions = RELEASES[release]
  return {
    ...versions,
    product_brand: 'XCP-ng',
    product_version_text: release,
    product_version_text_short: release,
    platform_name: 'XCP',
    xapi: versions.xapi_build.split('.').slice(0, 2).join('.'),
    linux: '4.19.0+1',
    hostname,
  }
}
