// Types of build/after-pack.mjs (plain JavaScript, loaded by electron-builder itself).
import type { AfterPackContext } from 'app-builder-lib';
import type { FuseConfig } from '@electron/fuses';

export declare const fuses: Record<string, boolean>;
export declare function fuseConfig(platformName: string, arch: number): FuseConfig;
export declare function electronBinaryPath(context: Pick<AfterPackContext, 'appOutDir' | 'electronPlatformName'> & { packager: { executableName?: string; appInfo: { productFilename: string } } }): string;
export declare function afterPack(context: AfterPackContext): Promise<void>;
export default afterPack;
