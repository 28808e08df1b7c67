/**
 * The names of the renderer ↔ main contract, without its schemas, so the sandboxed preload can
 * forward exactly these calls without bundling zod. src/shared/api.ts gives each name its payload
 * schema and types; a type test keeps the two in step.
 */
export const STUDIO_CALLS = [
  'getEngineStatus',
  'restartEngine',
  'listProviders',
  'listModels',
  'addModel',
  'cancelAddModel',
  'listCalibratedPresets',
  'countTokens',
  'generate',
  'cancelGenerate',
  'compare',
  'listGallery',
  'getGalleryEntry',
  'deleteGalleryEntry',
  'restoreGalleryEntry',
  'exportGalleryEntry',
  'getSettings',
  'setSettings',
  'listNotices',
  'getEngine',
  'setEngine',
  'testEngine'
] as const
export type StudioCall = (typeof STUDIO_CALLS)[number]

export const STUDIO_EVENTS = ['engineStatus', 'generateProgress', 'addModelProgress'] as const
export type StudioEvent = (typeof STUDIO_EVENTS)[number]

/** Channel names: one namespace, so nothing else on ipcMain can collide with the studio. */
export const callChannel = (call: StudioCall): string => `studio:call:${call}`
export const eventChannel = (event: StudioEvent): string => `studio:event:${event}`
