import { readdirSync, statSync, type Stats } from 'node:fs'
import { createRequire } from 'node:module'
import { join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * The packaging config's patterns, run through electron-builder's own file matchers
 * (app-builder-lib's getNodeModuleFileMatcher / getFileMatchers, minimatch inside) against the
 * real node_modules/onnxruntime-node. The Electron binary can't be downloaded here, so this is
 * what can be checked of `npm run dist` without building.
 */
const require = createRequire(import.meta.url)
const config = require('../../electron-builder.config.cjs') as Record<string, unknown> &
  Record<'linux' | 'win' | 'mac', Record<string, unknown>>

type Filter = (file: string, stat: Stats) => boolean
interface FileMatcherLike {
  createFilter(): Filter
}
const fileMatcher = require('app-builder-lib/out/fileMatcher') as {
  getNodeModuleFileMatcher(
    appDir: string,
    dest: string,
    expand: (s: string) => string,
    platformOptions: object,
    packager: object
  ): FileMatcherLike
  getFileMatchers(config: object, name: string, dest: string, options: object): FileMatcherLike[] | null
}

const APP = resolve('.')
const ORT = join(APP, 'node_modules/onnxruntime-node')
const NATIVE = /\.(node|dll|dylib)$|\.so(\.\d+)*$/

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]
  )
}

/** What a target would ship of onnxruntime-node, and which of it would be unpacked from the asar. */
function packaged(target: 'linux' | 'win' | 'mac', arch: string): { shipped: string[]; unpacked: string[] } {
  const expand = (s: string): string => s.replace(/\$\{arch\}/g, arch)
  const platformOptions = config[target]
  const packager = { config, debugLogger: { isEnabled: false } }
  const keep = fileMatcher
    .getNodeModuleFileMatcher(APP, '/dest', expand, platformOptions, packager)
    .createFilter()
  const unpackers = fileMatcher.getFileMatchers(config, 'asarUnpack', '/dest', {
    macroExpander: expand,
    customBuildOptions: platformOptions,
    globalOutDir: join(APP, 'dist'),
    defaultSrc: APP
  })!
  const unpack = unpackers[0].createFilter()
  const shipped = walk(ORT).filter((f) => keep(f, statSync(f)))
  return {
    shipped: shipped.map((f) => relative(ORT, f)),
    unpacked: shipped.filter((f) => unpack(f, statSync(f))).map((f) => relative(ORT, f))
  }
}

const TARGETS = [
  { target: 'linux', platform: 'linux', arch: 'x64' },
  { target: 'win', platform: 'win32', arch: 'x64' },
  { target: 'mac', platform: 'darwin', arch: 'arm64' }
] as const

describe('electron-builder config against the real onnxruntime-node tree', () => {
  for (const { target, platform, arch } of TARGETS) {
    it(`${target}: ships its own ORT binaries, unpacked from the asar, and no other platform's or arch's`, () => {
      const { shipped, unpacked } = packaged(target, arch)
      const native = shipped.filter((f) => NATIVE.test(f))
      expect(native).toContain(`bin/napi-v6/${platform}/${arch}/onnxruntime_binding.node`)
      for (const file of native) expect(file).toMatch(new RegExp(`^bin/napi-v6/${platform}/${arch}/`))
      expect(unpacked.sort()).toEqual(native.sort())
      expect(shipped).toContain('dist/index.js') // the JS that loads the binding stays in
    })
  }

  it('puts the embedded models in extraResources', () => {
    expect(config['extraResources']).toEqual([{ from: 'resources/models', to: 'models' }])
  })

  it('has the four installers: AppImage and deb, NSIS, dmg', () => {
    expect([config.linux['target'], config.win['target'], config.mac['target']]).toEqual([
      ['AppImage', 'deb'],
      'nsis',
      'dmg'
    ])
  })
})
