// Every API method of the plugin, by concern.
import type { Runtime } from '../runtime'
import type { MethodTable } from './define'
import { dropInMethods } from './dropins'
import { hostMethods } from './hosts'
import { hstsMethods } from './hsts'
import { restartMethods } from './restart'

export function buildMethods({ services, xo }: Runtime): MethodTable {
  return {
    ...hostMethods(services),
    ...dropInMethods(services.dropIns),
    ...restartMethods(services.restart),
    ...hstsMethods(services.hsts, xo),
  }
}
