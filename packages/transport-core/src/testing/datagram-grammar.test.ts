import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import {
  assertDatagramGrammar,
  type DatagramEvent,
  formatDatagramEvents,
} from './datagram-grammar.js';
import { RecordingDatagramProtocol } from './recording-datagram-protocol.js';

const dg = (n = 2): DatagramEvent => ['datagramReceived', new Uint8Array(n), ['127.0.0.1', 9]];

describe('assertDatagramGrammar (SPEC §4.1, §4.12)', () => {
  it('accepts CM (DR | ER | PW/RW)* CL, empty datagrams included', () => {
    assertDatagramGrammar(
      [
        'connectionMade',
        dg(0),
        ['errorReceived', new Error('refused')],
        'pauseWriting',
        dg(),
        'resumeWriting',
        ['connectionLost', null],
      ],
      { complete: true },
    );
  });

  const bad: ReadonlyArray<[string, DatagramEvent[], RegExp, { complete?: boolean }?]> = [
    ['a first callback other than connectionMade', [dg()], /first callback must be connectionMade/],
    ['connectionMade twice', ['connectionMade', 'connectionMade'], /twice/],
    [
      'anything after connectionLost',
      ['connectionMade', ['connectionLost', null], dg()],
      /after connectionLost/,
    ],
    [
      'a datagram that is not bytes',
      ['connectionMade', ['datagramReceived', 'x' as never, null]],
      /not a Uint8Array/,
    ],
    [
      'errorReceived without an Error',
      ['connectionMade', ['errorReceived', 'x' as never]],
      /without an Error/,
    ],
    ['resumeWriting first', ['connectionMade', 'resumeWriting'], /without a pauseWriting/],
    ['an open log when complete', ['connectionMade'], /not closed/, { complete: true }],
  ];
  for (const [what, events, message, options] of bad) {
    it(`rejects ${what}`, () => {
      assert.throws(() => assertDatagramGrammar(events, options), message);
    });
  }

  it('formats logs compactly', () => {
    assert.equal(
      formatDatagramEvents(['connectionMade', dg(5), ['connectionLost', null]]),
      '[connectionMade, datagramReceived(<5 bytes>), connectionLost(null)]',
    );
  });
});

describe('RecordingDatagramProtocol', () => {
  it('records datagrams with addresses and errors; waits resolve; throws on request', async () => {
    const protocol = new RecordingDatagramProtocol({ throwFrom: 'errorReceived' });
    const two = protocol.waitDatagrams(2);
    protocol.connectionMade({} as never);
    protocol.datagramReceived(new Uint8Array(0), ['::1', 5]);
    protocol.datagramReceived(Buffer.from('x'), null);
    assert.deepEqual(
      (await two).map((d) => d.addr),
      [['::1', 5], null],
    );
    const error = new Error('ECONNREFUSED');
    assert.throws(() => protocol.errorReceived(error), /errorReceived failed on purpose/);
    assert.equal(await protocol.waitError(), error);
    protocol.connectionLost(null);
    assert.equal(await protocol.waitLost(), null);
    await assert.rejects(protocol.waitDatagrams(3), /endpoint closed before 3 datagrams/);
    assert.deepEqual(protocol.names(), [
      'connectionMade',
      'datagramReceived',
      'datagramReceived',
      'errorReceived',
      'connectionLost',
    ]);
    protocol.assertGrammar({ complete: true });
  });
});
