// How to make an OS trust the root CA: one command per OS, shown by `hindsight ca` and the app's setup page.

export function trustHint(certPath: string, platform: NodeJS.Platform = process.platform): string {
  switch (platform) {
    case 'darwin':
      return `sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain "${certPath}"`;
    case 'win32':
      return `certutil -user -addstore Root "${certPath}"`;
    default:
      return `(Debian/Ubuntu) sudo cp "${certPath}" /usr/local/share/ca-certificates/hindsight.crt && sudo update-ca-certificates`;
  }
}
