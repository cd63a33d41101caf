import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainError } from '../../../../renderer/src/lib/explain-error';

test('errors are explained by phase and by the cause in the message', () => {
  const cases = [
    explainError({ phase: 'dns', message: 'getaddrinfo ENOTFOUND nope.test' }),
    explainError({ phase: 'connect', message: 'connect ECONNREFUSED 127.0.0.1:9' }),
    explainError({ phase: 'tls', message: 'Hostname/IP does not match certificate\'s altnames' }),
    explainError({ phase: 'tls', message: 'self-signed certificate in certificate chain' }),
    explainError({ phase: 'client', message: 'read ECONNRESET' }),
    explainError({ phase: 'rule', message: 'map-remote target refused' }),
  ];
  assert.deepEqual(
    cases.map((c) => [c.title, c.meaning.split(/[.:]/)[0]]),
    [
      ['The host name could not be resolved', 'DNS has no address for this host'],
      ['Could not connect to the server', 'Nothing is listening on that address and port'],
      ['The TLS handshake with the server failed', 'The server’s certificate is for a different host name than the one requested'],
      ['The TLS handshake with the server failed', 'The server’s certificate is not signed by a certificate authority this machine trusts (self-signed, or a private CA)'],
      ['The client went away', 'The client closed its connection before the exchange finished — it gave up waiting, navigated away, or (for HTTPS) refused Hindsight’s certificate'],
      ['A rule could not be applied', 'One of your rules failed on this flow (a mock, a map-remote target or a breakpoint edit)'],
    ],
  );
});

test('a server signed by a private CA: the explanation says how to trust it (the setting and the flag)', () => {
  assert.equal(
    explainError({ phase: 'tls', message: 'unable to verify the first certificate' }).meaning,
    'The server’s certificate is not signed by a certificate authority this machine trusts (self-signed, or a private CA). If you expect that, trust its CA for Hindsight: put the CA certificate (PEM) in upstream-ca.pem in the data folder and restart, or start serve with --upstream-ca FILE.',
  );
});

test('failures before a request existed are explained from the client’s side', () => {
  const cases = [
    explainError({ phase: 'tls', message: "the client rejected Hindsight's certificate for api.example.com (alert unknown_ca) — trust the CA: hindsight ca", code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' }),
    explainError({ phase: 'tls', message: "the client closed the connection during the TLS handshake for a.test, right after receiving Hindsight's certificate — if it does not trust it, trust the CA: hindsight ca" }),
    explainError({ phase: 'client', message: "the request's headers are larger than the 64 KB limit (raise it with --max-header-size); Hindsight answered 431", code: 'HPE_HEADER_OVERFLOW' }),
    explainError({ phase: 'client', message: 'the client sent a request Hindsight cannot parse: a header line is malformed; Hindsight answered 400', code: 'HPE_INVALID_HEADER_TOKEN' }),
    // A server's failure with its code kept apart is still explained by the code.
    explainError({ phase: 'upstream', message: 'api.test:80 answered with a malformed status line', code: 'HPE_INVALID_STATUS' }),
  ];
  assert.deepEqual(
    cases.map((c) => c.title),
    [
      'The client rejected Hindsight’s certificate',
      'The client rejected Hindsight’s certificate',
      'Hindsight refused the request: headers too large',
      'Hindsight refused the request: not valid HTTP',
      'The server’s answer broke off',
    ],
  );
  assert.equal(cases[4].meaning, 'The server sent something that is not valid HTTP.');
});
