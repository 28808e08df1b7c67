// electron-builder: `npm run dist` (needs the Electron binary, so a machine with internet).
// The renderer, main, preload, engine worker and thread are bundled by electron-vite into out/;
// onnxruntime-node stays a real dependency in node_modules, its native files unpacked from the
// asar (a .node/.so/.dylib/.dll can't be loaded from inside one), and each target ships only its
// own platform's and arch's binaries. test/main/packaging.test.ts checks these patterns on the real tree.

const ORT_BIN = 'node_modules/onnxruntime-node/bin/napi-v6'
const PLATFORMS = ['darwin', 'linux', 'win32']

/** Leaves out onnxruntime-node's binaries for every platform but `keep`, and for every arch but the target's. */
const onlyOrtFor = (keep) => [
  ...PLATFORMS.filter((p) => p !== keep).map((p) => `!${ORT_BIN}/${p}/**`),
  `!${ORT_BIN}/${keep}/!(\${arch})/**` // electron-builder expands ${arch} per build
]

/** @type {import('electron-builder').Configuration} */
module.exports = {
  appId: 'app.cachestudio.studio',
  productName: 'Cache Studio',
  directories: { output: 'dist', buildResources: 'build' },
  files: ['out/**/*', 'package.json', '!**/*.map'],
  asar: true,
  // Electron's fuses, flipped in the binary before signing: the shipped app can't be turned into a
  // plain Node (ELECTRON_RUN_AS_NODE; the engine runs as a utility process, not a fork), NODE_OPTIONS
  // and --inspect can't inject code, the code is read only from the asar and checked against its
  // integrity hash, cookies are encrypted, and file:// pages get no extra privileges (the page is
  // served from app://, see src/main/security/app-protocol.ts). test/main/fuses.test.ts checks them.
  electronFuses: {
    runAsNode: false,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableCookieEncryption: true,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    grantFileProtocolExtraPrivileges: false
  },
  asarUnpack: [`${ORT_BIN}/**/*.{node,so,so.*,dylib,dll}`],
  // Embedded default models, read by the engine from process.resourcesPath/models.
  extraResources: [{ from: 'resources/models', to: 'models' }],
  linux: {
    target: ['AppImage', 'deb'],
    category: 'Graphics',
    maintainer: 'Cache Studio maintainers <maintainers@cache-studio.invalid>',
    files: onlyOrtFor('linux')
  },
  win: { target: 'nsis', files: onlyOrtFor('win32') },
  nsis: { oneClick: false, allowToChangeInstallationDirectory: true },
  mac: { target: 'dmg', category: 'public.app-category.graphics-design', files: onlyOrtFor('darwin') }
}
