import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipInAnyRange, ipInRange, normalizeIp, parseIp, parseIpRange, type IpRange } from '../../../electron/common/cidr';

function range(text: string): IpRange {
  const r = parseIpRange(text);
  if (!r.ok) throw new Error(r.error);
  return r.range;
}

test('ipInRange: exact addresses, CIDRs, IPv4-mapped IPv6, zones and brackets', () => {
  const rows: [string, string, boolean][] = [
    ['127.0.0.2', '127.0.0.2', true],
    ['127.0.0.2', '127.0.0.3', false],
    ['127.0.0.2', '::ffff:127.0.0.2', true], // how a dual-stack socket reports an IPv4 client
    ['127.0.0.2', '::FFFF:7f00:2', true], // the same, in hex
    ['::ffff:127.0.0.2', '127.0.0.2', true],
    ['10.0.0.0/8', '10.255.255.255', true],
    ['10.0.0.0/8', '11.0.0.0', false],
    ['10.0.0.0/8', '::ffff:10.1.2.3', true],
    ['10.1.2.3/8', '10.200.0.1', true], // host bits below the prefix are ignored
    ['192.168.1.0/24', '192.168.1.255', true],
    ['192.168.1.0/24', '192.168.2.0', false],
    ['192.168.1.128/25', '192.168.1.127', false],
    ['192.168.1.128/25', '192.168.1.128', true],
    ['0.0.0.0/0', '203.0.113.9', true],
    ['0.0.0.0/0', '::1', false], // an IPv4 range never holds a native IPv6 address
    ['127.0.0.1/32', '127.0.0.1', true],
    ['127.0.0.1/31', '127.0.0.0', true],
    ['::1', '::1', true],
    ['::1', '0:0:0:0:0:0:0:1', true],
    ['::1', '127.0.0.1', false],
    ['[::1]', '::1', true],
    ['fe80::/10', 'fe80::1%eth0', true],
    ['fe80::/10', 'febf:ffff::1', true],
    ['fe80::/10', 'fec0::1', false],
    ['2001:db8::/32', '2001:DB8:1::1', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['2001:db8::/127', '2001:db8::1', true],
    ['2001:db8::/128', '2001:db8::1', false],
    ['::/0', '1.2.3.4', true], // the IPv6 /0 holds everything, mapped IPv4 included
    ['::ffff:0:0/96', '8.8.8.8', true],
    ['::ffff:10.0.0.0/104', '10.9.9.9', true],
    ['::ffff:10.0.0.0/104', '11.9.9.9', false],
    ['10.0.0.0/8', 'not-an-ip', false],
    ['10.0.0.0/8', '', false],
  ];
  assert.deepEqual(
    rows.map(([r, ip]) => [r, ip, ipInRange(ip, range(r))]),
    rows,
  );
  assert.equal(ipInAnyRange('127.0.0.3', [range('10.0.0.0/8'), range('127.0.0.0/30')]), true);
  assert.equal(ipInAnyRange('127.0.0.3', []), false);
});

test('parseIpRange refuses bad addresses and prefixes with a reason', () => {
  const inputs = ['10.0.0.0/33', '::/129', '::ffff:1.2.3.4/129', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.4/', '1.2.3.4/x', '1::2::3', '1:2:3:4:5:6:7:8:9', 'gggg::1', 'example.com', ''];
  assert.deepEqual(
    inputs.map((t) => {
      const r = parseIpRange(t);
      return r.ok ? 'ok' : r.error;
    }),
    [
      'CIDR prefix /33 is longer than 32 bits for IPv4',
      'CIDR prefix /129 is longer than 128 bits for IPv6',
      'CIDR prefix /129 is longer than 128 bits',
      '"1.2.3" is not an IPv4 or IPv6 address',
      '"1.2.3.4.5" is not an IPv4 or IPv6 address',
      '"256.1.1.1" is not an IPv4 or IPv6 address',
      '"01.2.3.4" is not an IPv4 or IPv6 address',
      'CIDR prefix "/" is not a number',
      'CIDR prefix "/x" is not a number',
      '"1::2::3" is not an IPv4 or IPv6 address',
      '"1:2:3:4:5:6:7:8:9" is not an IPv4 or IPv6 address',
      '"gggg::1" is not an IPv4 or IPv6 address',
      '"example.com" is not an IPv4 or IPv6 address',
      '"" is not an IPv4 or IPv6 address',
    ],
  );
});

test('parseIpRange reports family and prefix in the family\'s own terms', () => {
  const pick = (t: string) => {
    const r = range(t);
    return { family: r.family, prefix: r.prefix };
  };
  assert.deepEqual(
    ['10.0.0.0/8', '127.0.0.2', '::1', 'fd00::/8', '::ffff:10.0.0.0/104', '::ffff:0:0/64'].map(pick),
    [
      { family: 4, prefix: 8 },
      { family: 4, prefix: 32 },
      { family: 6, prefix: 128 },
      { family: 6, prefix: 8 },
      { family: 4, prefix: 8 },
      { family: 6, prefix: 64 },
    ],
  );
});

test('normalizeIp gives one spelling per address (RFC 5952 for IPv6)', () => {
  const inputs = ['::ffff:127.0.0.2', '127.0.0.2', '2001:DB8:0:0:1:0:0:1', '2001:db8:0:0:0:0:2:1', '::', '::1', '1::', 'fe80::1%lo0', '[::1]', '1:0:0:2:0:0:0:3', '1:2:3:4:5:6:7:8', 'nope'];
  assert.deepEqual(inputs.map(normalizeIp), [
    '127.0.0.2',
    '127.0.0.2',
    '2001:db8::1:0:0:1',
    '2001:db8::2:1',
    '::',
    '::1',
    '1::',
    'fe80::1',
    '::1',
    '1:0:0:2::3',
    '1:2:3:4:5:6:7:8',
    undefined,
  ]);
  assert.deepEqual(parseIp('1:2:3:4:5:6:7::'), [0x10002, 0x30004, 0x50006, 0x70000]);
});
