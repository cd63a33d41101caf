/**
 * The electron-builder config, checked offline: electron-builder's own schema validation (what
 * `electron-builder` runs first), the files it references, and the afterPack hook flipping the fuses of
 * an Electron-like binary for real. A full `--dir` build needs the Electron zip from the network.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');
const yaml = require('js-yaml') as { load(text: string): unknown };
const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  validateConfiguration(config: unknown, debugLogger: { isEnabled: boolean; add(k: string, v: unknown): void }): Promise<void>;
};
const { getCurrentFuseWire, FuseV1Options } = require('@electron/fuses') as typeof import('@electron/fuses');
const afterPack = require(path.join(root, 'build', 'after-pack.cjs')) as ((context: unknown) => Promise<void>) & { FUSES: Record<string, unknown> };

type Config = Record<string, any>;
const config = yaml.load(fs.readFileSync(path.join(root, 'build', 'electron-builder.yml'), 'utf8')) as Config;
const logger = { isEnabled: false, add() {} };

test('electron-builder accepts the config; a misspelt option is refused', async () => {
  await validateConfiguration(structuredClone(config), logger);
  await assert.rejects(validateConfiguration({ ...structuredClone(config), mac: { ...config.mac, hardenedRuntim: true } }, logger), /Invalid configuration object[\s\S]*configuration\.mac/);
});

test('targets, hardened runtime and every referenced file', () => {
  const referenced = [config.mac.icon, config.mac.entitlements, config.mac.entitlementsInherit, config.win.icon, config.afterPack, config.linux.icon, 'build/icons/tray.png', 'build/icons/512x512.png'];
  assert.deepEqual(
    {
      mac: [config.mac.target, config.mac.hardenedRuntime],
      win: config.win.target,
      linux: config.linux.target,
      main: config.extraMetadata.main,
      missing: referenced.filter((f: string) => !fs.existsSync(path.join(root, f))),
      distScript: JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts.dist,
    },
    {
      mac: ['dmg', true],
      win: 'nsis',
      linux: ['AppImage', 'deb'],
      main: 'dist/electron/main/index.js',
      missing: [],
      distScript: 'node scripts/build.mjs && electron-builder --config build/electron-builder.yml',
    },
  );
});

test('afterPack flips the fuses in the packaged binary', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  // An Electron binary as far as fuses go: the sentinel, wire version 1, 8 fuses in Electron's defaults.
  const binary = path.join(dir, 'hindsight');
  fs.writeFileSync(binary, Buffer.concat([Buffer.alloc(64, 7), Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'), Buffer.from([1, 8]), Buffer.from('10110001'), Buffer.alloc(64, 7)]));
  await afterPack({ appOutDir: dir, electronPlatformName: 'linux', arch: 1, packager: { appInfo: { productFilename: 'Hindsight' }, executableName: 'hindsight' } });
  const wire = await getCurrentFuseWire(binary);
  const on = (o: number) => wire[o as keyof typeof wire] === 49; // '1'
  assert.deepEqual(
    {
      runAsNode: on(FuseV1Options.RunAsNode),
      cookieEncryption: on(FuseV1Options.EnableCookieEncryption),
      nodeOptions: on(FuseV1Options.EnableNodeOptionsEnvironmentVariable),
      inspect: on(FuseV1Options.EnableNodeCliInspectArguments),
      asarIntegrity: on(FuseV1Options.EnableEmbeddedAsarIntegrityValidation),
      onlyAsar: on(FuseV1Options.OnlyLoadAppFromAsar),
      // Left as Electron ships them: the renderer is loaded from file://.
      fileProtocol: on(FuseV1Options.GrantFileProtocolExtraPrivileges),
    },
    { runAsNode: false, cookieEncryption: true, nodeOptions: false, inspect: false, asarIntegrity: true, onlyAsar: true, fileProtocol: true },
  );
});

test('installers register hindsight:// links; the Linux .desktop entry claims the scheme and passes the URL', async () => {
  const { LinuxTargetHelper } = require('app-builder-lib/out/targets/LinuxTargetHelper') as {
    LinuxTargetHelper: new (packager: unknown) => { computeDesktopEntry(options: unknown, exec?: string): Promise<string> };
  };
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  // The part of electron-builder's Linux packager the .desktop entry is computed from, filled from this config.
  const packager = {
    config,
    platformSpecificBuildOptions: config.linux,
    fileAssociations: [],
    executableName: 'hindsight',
    appInfo: { productName: config.productName, sanitizedProductName: config.productName, description: pkg.description },
    info: { metadata: pkg },
  };
  const entry = await new LinuxTargetHelper(packager).computeDesktopEntry(config.linux);
  const lines = Object.fromEntries(entry.split('\n').filter((l) => /^(Exec|MimeType)=/.test(l)).map((l) => l.split(/=(.*)/s).slice(0, 2)));
  assert.deepEqual(
    { protocols: config.protocols, lines },
    {
      protocols: [{ name: 'Hindsight profile link', schemes: ['hindsight'] }],
      lines: { Exec: '/opt/Hindsight/hindsight %U', MimeType: 'x-scheme-handler/hindsight;' },
    },
  );
});
