// electron-builder afterPack hook: flips the Electron fuses of the packed app, before it is signed
// (electron-builder signs after this hook; a fuse flipped after signing would break the signature).
//
// - RunAsNode off: ELECTRON_RUN_AS_NODE cannot turn the app into a plain Node.js (workers use utilityProcess).
// - EnableCookieEncryption on: the cookie store on disk is encrypted with the OS keychain.
// - EnableNodeOptionsEnvironmentVariable off: NODE_OPTIONS / NODE_EXTRA_CA_CERTS cannot inject code or trust.
// - EnableNodeCliInspectArguments off: --inspect and SIGUSR1 cannot attach a debugger to the main process.
// - EnableEmbeddedAsarIntegrityValidation on + OnlyLoadAppFromAsar on: only the app.asar whose hash is embedded
//   in the executable (macOS, Windows) is loaded; no app/ folder beside it.
// - GrantFileProtocolExtraPrivileges off: file:// pages get no more than in a browser (the app uses app://).
import { join } from 'node:path';
import { flipFuses, FuseV1Options, FuseVersion } from '@electron/fuses';

/** The fuses, by @electron/fuses option name; those not named keep Electron's default. */
export const fuses = {
  RunAsNode: false,
  EnableCookieEncryption: true,
  EnableNodeOptionsEnvironmentVariable: false,
  EnableNodeCliInspectArguments: false,
  EnableEmbeddedAsarIntegrityValidation: true,
  OnlyLoadAppFromAsar: true,
  GrantFileProtocolExtraPrivileges: false,
};

/** builder-util's Arch enum values for the Apple Silicon builds (arm64 = 3, universal = 4; checked by a test). */
const APPLE_SILICON_ARCHES = new Set([3, 4]);

/** The @electron/fuses configuration for one packed app. */
export function fuseConfig(platformName, arch) {
  const config = { version: FuseVersion.V1 };
  for (const [name, value] of Object.entries(fuses)) config[FuseV1Options[name]] = value;
  // Flipping a fuse invalidates the ad-hoc signature arm64 macOS requires; re-sign ad hoc (a real identity, when
  // configured, signs again right after this hook).
  config.resetAdHocDarwinSignature = (platformName === 'darwin' || platformName === 'mas') && APPLE_SILICON_ARCHES.has(arch);
  return config;
}

/** The Electron executable (or .app bundle) electron-builder just packed. */
export function electronBinaryPath(context) {
  const { appOutDir, electronPlatformName, packager } = context;
  if (electronPlatformName === 'darwin' || electronPlatformName === 'mas') return join(appOutDir, `${packager.appInfo.productFilename}.app`);
  if (electronPlatformName === 'win32') return join(appOutDir, `${packager.appInfo.productFilename}.exe`);
  return join(appOutDir, packager.executableName);
}

export async function afterPack(context) {
  const binary = electronBinaryPath(context);
  const flipped = await flipFuses(binary, fuseConfig(context.electronPlatformName, context.arch));
  console.log(`  • fuses set          ${binary} (${Object.entries(fuses).map(([name, on]) => `${name}=${on ? 'on' : 'off'}`).join(', ')}${flipped === 2 ? ', both slices' : ''})`);
}

export default afterPack;
