/**
 * How to make each platform trust Hindsight's CA, as short numbered steps. The proxy's own setup page
 * (http://hindsight.ca/, browsed through the proxy) is where phones download the certificate.
 */

export const DEVICE_SETUP_URL = 'http://hindsight.ca/';

export interface SetupGuide {
  id: 'windows' | 'macos' | 'linux' | 'firefox' | 'ios' | 'android';
  label: string;
  /** Which download this platform wants. */
  file: 'pem' | 'crt';
  steps: string[];
  /** A command that does the same from a terminal, where one exists. */
  command?: string;
  note?: string;
}

export const SETUP_GUIDES: readonly SetupGuide[] = [
  {
    id: 'windows',
    label: 'Windows',
    file: 'crt',
    steps: [
      'Download hindsight-ca.crt and open it.',
      'Choose “Install Certificate…”, then “Current User”.',
      'Pick “Place all certificates in the following store”, browse to “Trusted Root Certification Authorities”, and finish.',
      'Accept the security warning. Chrome and Edge use this store; restart them.',
    ],
    command: 'Import-Certificate -FilePath hindsight-ca.crt -CertStoreLocation Cert:\\CurrentUser\\Root',
  },
  {
    id: 'macos',
    label: 'macOS',
    file: 'pem',
    steps: [
      'Download hindsight-ca.pem and open it: Keychain Access adds it to the login keychain.',
      'Find the Hindsight certificate in Keychain Access and open it.',
      'Under “Trust”, set “When using this certificate” to “Always Trust”, close, and confirm with your password.',
      'Safari and Chrome use the keychain; restart them.',
    ],
    command: 'security add-trusted-cert -r trustRoot -k ~/Library/Keychains/login.keychain-db hindsight-ca.pem',
  },
  {
    id: 'linux',
    label: 'Linux',
    file: 'pem',
    steps: [
      'Download hindsight-ca.pem.',
      'Debian/Ubuntu: copy it to /usr/local/share/ca-certificates/hindsight.crt and run update-ca-certificates.',
      'Fedora/RHEL: copy it to /etc/pki/ca-trust/source/anchors/ and run update-ca-trust.',
      'Chrome and Chromium read their own NSS database: add it there too (command below).',
    ],
    command: 'certutil -d sql:$HOME/.pki/nssdb -A -t "C,," -n Hindsight -i hindsight-ca.pem',
  },
  {
    id: 'firefox',
    label: 'Firefox',
    file: 'pem',
    steps: [
      'Download hindsight-ca.pem.',
      'Open Settings → Privacy & Security → Certificates → View Certificates…',
      'On the Authorities tab choose Import…, pick the file, and tick “Trust this CA to identify websites”.',
    ],
    note: 'On Windows and macOS, Firefox can use the system’s trusted CAs instead: set security.enterprise_roots.enabled to true in about:config.',
  },
  {
    id: 'ios',
    label: 'iPhone / iPad',
    file: 'pem',
    steps: [
      'Settings → Wi-Fi → (i) next to the network → Configure Proxy → Manual: enter this computer’s address and the proxy port.',
      `In Safari open ${DEVICE_SETUP_URL} (or scan the code) and download the certificate; allow the profile download.`,
      'Settings → General → VPN & Device Management → the Hindsight profile → Install.',
      'Settings → General → About → Certificate Trust Settings → turn on full trust for the Hindsight CA.',
    ],
  },
  {
    id: 'android',
    label: 'Android',
    file: 'crt',
    steps: [
      'Settings → Wi-Fi → the network → Edit → Advanced → Proxy: Manual, with this computer’s address and the proxy port.',
      `In the browser open ${DEVICE_SETUP_URL} (or scan the code) and download the certificate.`,
      'Settings → Security → Encryption & credentials → Install a certificate → CA certificate, and pick the file.',
    ],
    note: 'Chrome trusts user-installed CAs; apps do only when their network security config allows it (debug builds: <debug-overrides> with <certificates src="user"/>).',
  },
];
