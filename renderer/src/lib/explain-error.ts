/**
 * A failed flow's error in plain words: what happened (by phase), and what it most likely means
 * (by the error code or message). Pure; the messages are Node's and the proxy's own.
 */
import type { FlowError, FlowErrorPhase } from '../../../electron/common/flow';

export interface ErrorExplanation {
  title: string;
  /** What it likely means and what to check. */
  meaning: string;
}

const PHASES: { [P in FlowErrorPhase]: ErrorExplanation } = {
  client: {
    title: 'The client went away',
    meaning: 'The client closed its connection before the exchange finished — it gave up waiting, navigated away, or (for HTTPS) refused Hindsight’s certificate.',
  },
  dns: {
    title: 'The host name could not be resolved',
    meaning: 'DNS returned no address for the host: a typo in the URL, a name that only resolves on a VPN or internal network, or no network at all.',
  },
  connect: {
    title: 'Could not connect to the server',
    meaning: 'No TCP connection could be opened to the server: it is down, the port is wrong, or a firewall is in the way.',
  },
  tls: {
    title: 'The TLS handshake with the server failed',
    meaning: 'The secure connection to the server could not be set up. Hindsight verifies the server’s certificate the way a browser does.',
  },
  upstream: {
    title: 'The server’s answer broke off',
    meaning: 'The connection to the server failed after the request was sent: the server closed it, crashed, or answered with something that is not valid HTTP.',
  },
  timeout: {
    title: 'The server took too long',
    meaning: 'No answer arrived in time. The server may be overloaded or stuck, or a firewall may be silently dropping packets.',
  },
  rule: {
    title: 'A rule could not be applied',
    meaning: 'One of your rules failed on this flow (a mock, a map-remote target or a breakpoint edit). Check the rule named below.',
  },
  store: {
    title: 'The flow could not be stored completely',
    meaning: 'Hindsight could not write this flow or its body to disk (disk full or not writable). The traffic itself was forwarded.',
  },
};

/** Causes recognised in the message, most specific first. */
const CAUSES: { test: RegExp; meaning: string }[] = [
  { test: /ENOTFOUND|EAI_AGAIN|getaddrinfo/i, meaning: 'DNS has no address for this host. Check the spelling, your VPN, or the network.' },
  { test: /ECONNREFUSED/i, meaning: 'Nothing is listening on that address and port: the server is not running, or the port is wrong.' },
  { test: /EHOSTUNREACH|ENETUNREACH/i, meaning: 'There is no route to the server’s network: a VPN is off, or the network is down.' },
  { test: /ETIMEDOUT|timed? ?out/i, meaning: 'The server did not answer in time: it is overloaded, or a firewall drops the packets.' },
  { test: /CERT_HAS_EXPIRED|certificate has expired/i, meaning: 'The server’s certificate has expired. The server must renew it.' },
  {
    test: /SELF[-_ ]SIGNED|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|unable to verify the first certificate/i,
    meaning: 'The server’s certificate is not signed by a certificate authority this machine trusts (self-signed, or a private CA). If you expect that, trust its CA for Hindsight: put the CA certificate (PEM) in upstream-ca.pem in the data folder and restart, or start serve with --upstream-ca FILE.',
  },
  { test: /ERR_TLS_CERT_ALTNAME_INVALID|does not match|altnames/i, meaning: 'The server’s certificate is for a different host name than the one requested.' },
  { test: /wrong version number|EPROTO|unknown protocol/i, meaning: 'The server does not speak TLS on this port (it may be plain HTTP), or only an outdated TLS version.' },
  { test: /ECONNRESET|socket hang up|aborted/i, meaning: 'The other side closed the connection abruptly — it crashed, restarted, or a proxy or load balancer in between cut it off.' },
  { test: /HPE_|Parse Error/i, meaning: 'The server sent something that is not valid HTTP.' },
  { test: /EMFILE|ENFILE/i, meaning: 'This machine ran out of open files; too many connections are open at once.' },
  { test: /ENOSPC/i, meaning: 'The disk is full.' },
];

/** Failures before a request existed (electron/core/capture/early-failures.ts): the client's side, not the server's. */
const BEFORE_REQUEST: { phase: FlowError['phase']; test: RegExp; explanation: ErrorExplanation }[] = [
  {
    phase: 'tls',
    test: /^the client (rejected|closed the connection during the TLS handshake)/,
    explanation: {
      title: 'The client rejected Hindsight’s certificate',
      meaning:
        'The device or app does not trust Hindsight’s certificate authority yet. Install and trust it: run hindsight ca for the file, or open http://hindsight.ca/ through the proxy on the device. Apps that pin their certificates cannot be inspected this way.',
    },
  },
  {
    phase: 'client',
    test: /Hindsight answered 431$/,
    explanation: { title: 'Hindsight refused the request: headers too large', meaning: 'The request’s headers are over the proxy’s limit. Raise it with serve --max-header-size BYTES.' },
  },
  {
    phase: 'client',
    test: /Hindsight answered 400$/,
    explanation: { title: 'Hindsight refused the request: not valid HTTP', meaning: 'The client sent a request that does not parse as HTTP/1.1; the message below names what is wrong with it.' },
  },
];

export function explainError(error: FlowError): ErrorExplanation {
  const early = BEFORE_REQUEST.find((e) => e.phase === error.phase && e.test.test(error.message));
  if (early) return early.explanation;
  const base = PHASES[error.phase] ?? { title: 'The exchange failed', meaning: '' };
  // The raw code (ECONNRESET, HPE_…) is kept apart from the sentence; causes are read from both.
  const text = error.code ? `${error.message} ${error.code}` : error.message;
  const cause = CAUSES.find((c) => c.test.test(text));
  if (!cause) return base;
  // For the client phase the phase's own words say more than a generic reset does.
  if (error.phase === 'client' && /ECONNRESET|aborted|hang up/i.test(error.message)) return base;
  return { title: base.title, meaning: cause.meaning };
}
