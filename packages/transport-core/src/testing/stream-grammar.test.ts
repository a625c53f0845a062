import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { assertStreamGrammar, formatEvents, type StreamEvent } from './stream-grammar.js';

const data = (n = 3): StreamEvent => ['dataReceived', new Uint8Array(n)];
const lost = (exc: Error | null = null): StreamEvent => ['connectionLost', exc];

describe('assertStreamGrammar (SPEC §4 rules 1-3)', () => {
  it('accepts the grammar: CM DR* ER? CL, with pause/resume writing between', () => {
    assertStreamGrammar([]);
    assertStreamGrammar(['connectionMade']);
    assertStreamGrammar(
      ['connectionMade', data(), 'pauseWriting', data(), 'resumeWriting', 'eofReceived', lost()],
      {
        complete: true,
      },
    );
    assertStreamGrammar([
      'connectionMade',
      'eofReceived',
      'pauseWriting',
      'resumeWriting',
      lost(new Error('x')),
    ]);
  });

  it('accepts the buffered grammar: CM (GB BU?)* ER? CL', () => {
    assertStreamGrammar(
      [
        'connectionMade',
        ['getBuffer', -1],
        ['bufferUpdated', 4],
        ['getBuffer', -1],
        'eofReceived',
        lost(),
      ],
      { buffered: true, complete: true },
    );
  });

  const violations: ReadonlyArray<
    [string, StreamEvent[], RegExp, { buffered?: boolean; complete?: boolean }?]
  > = [
    [
      'a first callback other than connectionMade',
      [data()],
      /first callback must be connectionMade/,
    ],
    ['connectionMade twice', ['connectionMade', 'connectionMade'], /connectionMade called twice/],
    [
      'data after eofReceived',
      ['connectionMade', 'eofReceived', data()],
      /dataReceived after eofReceived/,
    ],
    [
      'eofReceived twice',
      ['connectionMade', 'eofReceived', 'eofReceived'],
      /eofReceived after eofReceived/,
    ],
    ['anything after connectionLost', ['connectionMade', lost(), data()], /after connectionLost/],
    [
      'connectionLost twice',
      ['connectionMade', lost(), lost()],
      /connectionLost after connectionLost/,
    ],
    ['empty data', ['connectionMade', data(0)], /empty data/],
    [
      'bufferUpdated without getBuffer',
      ['connectionMade', ['bufferUpdated', 3]],
      /without a getBuffer/,
    ],
    [
      'bufferUpdated(0)',
      ['connectionMade', ['getBuffer', -1], ['bufferUpdated', 0]],
      /positive integer/,
    ],
    [
      'getBuffer after eofReceived',
      ['connectionMade', 'eofReceived', ['getBuffer', -1]],
      /getBuffer after eofReceived/,
    ],
    [
      'dataReceived on a BufferedProtocol',
      ['connectionMade', data()],
      /on a BufferedProtocol/,
      { buffered: true },
    ],
    [
      'getBuffer on a plain Protocol',
      ['connectionMade', ['getBuffer', 1]],
      /on a plain Protocol/,
      { buffered: false },
    ],
    [
      'mixing both kinds',
      ['connectionMade', ['getBuffer', 1], ['bufferUpdated', 1], data()],
      /on a BufferedProtocol/,
    ],
    ['resumeWriting first', ['connectionMade', 'resumeWriting'], /without a pauseWriting/],
    [
      'pauseWriting twice',
      ['connectionMade', 'pauseWriting', 'pauseWriting'],
      /pauseWriting twice/,
    ],
    [
      'an unfinished log when complete',
      ['connectionMade'],
      /no connectionLost/,
      { complete: true },
    ],
  ];
  for (const [what, events, message, options] of violations) {
    it(`rejects ${what}`, () => {
      assert.throws(
        () => assertStreamGrammar(events, options),
        (err: Error) => {
          assert.equal(err.name, 'AssertionError');
          assert.match(err.message, message);
          assert.match(err.message, /events: \[/, 'the message shows the log');
          return true;
        },
      );
    });
  }

  it('formats logs compactly (no byte dumps)', () => {
    assert.equal(
      formatEvents(['connectionMade', data(1000), lost(new TypeError('t'))]),
      '[connectionMade, dataReceived(<1000 bytes>), connectionLost(TypeError: t)]',
    );
  });
});
