/**
 * Where Hindsight keeps its data. The desktop app, `hindsight serve` and the other CLI commands use the
 * same folder by default, so a CLI command sees what the app captured. Electron's app.getPath('userData')
 * for an app named "Hindsight" is the same path on each OS.
 */
import os from 'node:os';
import path from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.HINDSIGHT_DATA) return path.resolve(env.HINDSIGHT_DATA);
  const home = os.homedir();
  switch (platform) {
    case 'win32':
      return path.join(env.APPDATA || path.join(home, 'AppData', 'Roaming'), 'Hindsight');
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'Hindsight');
    default:
      return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'Hindsight');
  }
}

/** The layout inside a data dir, in one place. */
export function dataPaths(dataDir: string) {
  return {
    dataDir,
    caDir: path.join(dataDir, 'ca'),
    flowsDb: path.join(dataDir, 'flows.db'),
    /** The flow store's last trim and seq high-water mark. */
    flowsMeta: path.join(dataDir, 'flows-meta.json'),
    bodiesDir: path.join(dataDir, 'bodies'),
    rulesDb: path.join(dataDir, 'rules.db'),
    settingsFile: path.join(dataDir, 'settings.json'),
    lockFile: path.join(dataDir, 'hindsight.lock'),
    sysproxySnapshot: path.join(dataDir, 'sysproxy-snapshot.json'),
    /** Private CAs trusted for servers' TLS (PEM), the setting behind `serve --upstream-ca`. */
    upstreamCa: path.join(dataDir, 'upstream-ca.pem'),
  };
}
