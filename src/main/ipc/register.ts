import { registerCalibratedHandlers } from './calibrated-handlers'
import { registerEngineHandlers } from './engine-handlers'
import { registerGalleryHandlers } from './gallery-handlers'
import { registerGenerateHandlers } from './generate-handlers'
import { registerModelHandlers } from './model-handlers'
import { registerEndpointHandlers } from '../remote/endpoint-handlers'
import type { Services } from './services'
import { registerSettingsHandlers } from './settings-handlers'

/** Every call of the contract gets its handler here (a test checks none is missing). */
export function registerIpcHandlers(services: Services): void {
  registerEngineHandlers(services)
  registerModelHandlers(services)
  registerCalibratedHandlers(services)
  registerGenerateHandlers(services)
  registerGalleryHandlers(services)
  registerSettingsHandlers(services)
  registerEndpointHandlers(services)
}
