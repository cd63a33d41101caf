/**
 * `hindsight ca`: shows or exports the root CA of a data dir (creating it on first use) and re-creates it on
 * request. Reads the CA files directly: they are only read (or, with --regenerate, replaced aside), so a
 * running instance holding the data dir does not need to be asked.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { loadOrCreateCa, regenerateCa, trustHint } from '../../certs';
import type { LoadedCa } from '../../certs';
import { dataPaths, defaultDataDir } from '../core/paths';
import { parseCommandArgs, type CliOutput } from './args';
import { failureLine, fsErrorLine, isFsError } from './fs-errors';
import { writeOutputFile } from './output-file';

export type { CliOutput } from './args';

export const usage = `Usage: hindsight ca [--data DIR] [--pem | --path | --der FILE | --regenerate]

Shows the root certificate authority that Hindsight signs intercepted HTTPS with (created on first use).
Devices must trust it to let Hindsight decrypt their HTTPS traffic.

  --data DIR     data folder (default: ${defaultDataDir()})
  --pem          print the CA certificate (PEM) to stdout
  --path         print the path of the CA certificate (ca.pem)
  --der FILE     write the CA certificate in DER form (.cer/.crt, for Windows and Android) to FILE
  --regenerate   replace the CA with a new one; the old files are kept aside, and every device must trust
                 the new CA again
  -h, --help     show this help`;

export async function run(argv: string[], out: CliOutput = process): Promise<number> {
  const parsed = parseCommandArgs(
    'ca',
    argv,
    {
      data: { type: 'string' },
      pem: { type: 'boolean' },
      path: { type: 'boolean' },
      der: { type: 'string' },
      regenerate: { type: 'boolean' },
    },
    usage,
    out,
  );
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const actions = (['pem', 'path', 'der', 'regenerate'] as const).filter((name) => values[name] !== undefined);
  if (actions.length > 1) {
    out.stderr.write(`hindsight ca: choose one of ${actions.map((a) => `--${a}`).join(', ')}\n\n${usage}\n`);
    return 2;
  }
  const dataDir = path.resolve(values.data ?? defaultDataDir());
  const { caDir, lockFile } = dataPaths(dataDir);

  try {
    if (values.regenerate) {
      const { ca, movedAside } = await regenerateCa(caDir);
      out.stdout.write(`Created a new CA.\n${describe(ca)}`);
      if (movedAside.length) out.stdout.write(`The previous CA was kept as:\n${movedAside.map((f) => `  ${f}\n`).join('')}`);
      out.stdout.write('Devices that trusted the previous CA must now trust this one.\n');
      if (await exists(lockFile)) out.stdout.write('A running Hindsight still uses the previous CA until it is restarted.\n');
      return 0;
    }
    const ca = await loadOrCreateCa(caDir);
    if (ca.created) out.stderr.write(`Created a new CA in ${caDir}\n`);
    if (values.pem) {
      out.stdout.write(ca.certPem);
    } else if (values.path) {
      out.stdout.write(`${ca.certPath}\n`);
    } else if (values.der !== undefined) {
      const target = path.resolve(values.der);
      const der = ca.certDer();
      try {
        await writeOutputFile(target, (stream) => new Promise<void>((resolve, reject) => stream.write(der, (err) => (err ? reject(err) : resolve()))));
      } catch (err) {
        if (!isFsError(err)) throw err;
        out.stderr.write(`hindsight ca: ${fsErrorLine(err, 'write', target)}\n`);
        return 1;
      }
      out.stdout.write(`${target}\n`);
    } else {
      out.stdout.write(describe(ca));
    }
    return 0;
  } catch (err) {
    out.stderr.write(`hindsight ca: ${failureLine(err)}\n`);
    return 1;
  }
}

function describe(ca: LoadedCa): string {
  const info = ca.info();
  return [
    `CA certificate: ${info.path}`,
    `Fingerprint (SHA-256): ${info.fingerprint}`,
    `Subject: ${info.subject}`,
    `Expires: ${new Date(info.notAfter).toISOString()}`,
    `To trust it: ${trustHint(info.path)}`,
    '',
  ].join('\n');
}

async function exists(file: string): Promise<boolean> {
  try {
    await fsp.access(file);
    return true;
  } catch {
    return false;
  }
}
