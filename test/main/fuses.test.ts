import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'

/**
 * The packaging config's Electron fuses, read the way `npm run dist` reads them: validated against
 * electron-builder's own schema (a misspelt key fails the build) and mapped to @electron/fuses
 * wires by app-builder-lib's generateFuseConfig, the step that flips them in the binary.
 */
const require = createRequire(import.meta.url)
const config = require('../../electron-builder.config.cjs') as Record<string, unknown>

const { PlatformPackager } = require('app-builder-lib') as {
  PlatformPackager: { prototype: { generateFuseConfig(fuses: unknown): Promise<Record<string, unknown>> } }
}
const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  validateConfiguration(config: unknown, logger: unknown): Promise<void>
}
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown }
// @electron/fuses as app-builder-lib resolves it, so the wire numbers are the ones it writes.
const { FuseV1Options } = createRequire(require.resolve('app-builder-lib'))('@electron/fuses') as {
  FuseV1Options: Record<string, number>
}

describe('electron fuses in the packaging config', () => {
  it('passes electron-builder schema validation (fuse names included)', async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined()
    await expect(
      validateConfiguration({ ...config, electronFuses: { runAsNod: false } }, new DebugLogger(false))
    ).rejects.toThrow(/electronFuses/)
  })

  it('flips the wires: no run-as-node, NODE_OPTIONS or --inspect; asar-only with integrity; encrypted cookies', async () => {
    const wires = await PlatformPackager.prototype.generateFuseConfig.call({}, config['electronFuses'])
    const wire = (name: string): unknown => wires[String(FuseV1Options[name])]
    expect(wire('RunAsNode')).toBe(false)
    expect(wire('EnableNodeOptionsEnvironmentVariable')).toBe(false)
    expect(wire('EnableNodeCliInspectArguments')).toBe(false)
    expect(wire('EnableCookieEncryption')).toBe(true)
    expect(wire('EnableEmbeddedAsarIntegrityValidation')).toBe(true)
    expect(wire('OnlyLoadAppFromAsar')).toBe(true)
    // The page is served from app://, so file:// needs none of its legacy privileges.
    expect(wire('GrantFileProtocolExtraPrivileges')).toBe(false)
  })

  it('packs the app into an asar, which OnlyLoadAppFromAsar requires to start at all', () => {
    expect(config['asar']).toBe(true)
  })
})
