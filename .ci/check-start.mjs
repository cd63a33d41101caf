// CI's proof of the README's quick start: runs `npm start` exactly as a user would (no arguments, no
// environment variable of ours), waits for the headless app's UI URL — CI has no display, and there the
// app must say why and come up headless — fetches the UI page from it, then stops it with Ctrl-C.
// Exits 0 when all of that happened, 1 with the output otherwise.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const deadlineMs = 180_000;

function fail(message, output) {
  console.error(`check-start: ${message}\n--- npm start printed ---\n${output}`);
  process.exit(1);
}

// Its own process group, so that Ctrl-C reaches npm and the app it started, as from a terminal.
const child = spawn('npm', ['start'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
let output = '';
const url = await new Promise((resolve) => {
  const timer = setTimeout(() => resolve(undefined), deadlineMs);
  const onData = (chunk) => {
    output += chunk;
    const m = /^UI:\s+(http:\/\/\S+#token=\S+)$/m.exec(output);
    if (m) {
      clearTimeout(timer);
      resolve(m[1]);
    }
  };
  child.stdout.setEncoding('utf8').on('data', onData);
  child.stderr.setEncoding('utf8').on('data', onData);
  void exited.then(() => {
    clearTimeout(timer);
    resolve(undefined);
  });
});
const stop = () => {
  try {
    process.kill(-child.pid, 'SIGINT');
  } catch {
    // already gone
  }
};
if (!url) {
  stop();
  fail(`no UI URL within ${deadlineMs / 1000} s`, output);
}
const explained = /^hindsight: starting headless — .+\.$/m.exec(output);
if (!explained) {
  stop();
  fail('the headless start was not explained', output);
}
const page = await fetch(url).then(async (r) => ({ status: r.status, html: await r.text() }), (err) => ({ status: 0, html: String(err) }));
stop();
const end = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve(undefined), 20_000))]);
if (page.status !== 200 || !page.html.includes('<title>Hindsight</title>')) fail(`the UI at ${url} answered ${page.status}`, output);
if (!end) {
  process.kill(-child.pid, 'SIGKILL');
  fail('npm start did not stop within 20 s of Ctrl-C', output);
}
console.log(`check-start: ${explained[0]}`);
console.log(`check-start: the UI answered at ${url.replace(/#token=.*/, '#token=…')}; npm start stopped on Ctrl-C.`);
