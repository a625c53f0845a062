import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { PeerInbox } from './peer-inbox.js';
import { TimeoutError, withTimeout } from './with-timeout.js';

describe('PeerInbox', () => {
  it('serves readExactly in order, across chunk boundaries', async () => {
    const inbox = new PeerInbox();
    const first = inbox.readExactly(3);
    const second = inbox.readExactly(2);
    inbox.push(Buffer.from('ab'));
    inbox.push(Buffer.from('cde'));
    assert.equal((await first).toString(), 'abc');
    assert.equal((await second).toString(), 'de');
    assert.equal(inbox.size, 0);
  });

  it('readUntilEnd resolves with the rest at the end; a short readExactly rejects', async () => {
    const inbox = new PeerInbox();
    inbox.push(Buffer.from('xy'));
    const rest = inbox.readUntilEnd();
    inbox.end();
    assert.equal((await rest).toString(), 'xy');
    await assert.rejects(inbox.readExactly(1), /ended after 0 of 1 bytes/);
    await assert.rejects(inbox.readExactly(-1), RangeError);
  });

  it('an error end names the error', async () => {
    const inbox = new PeerInbox();
    const wait = inbox.readExactly(4);
    inbox.end(new Error('ECONNRESET'));
    await assert.rejects(wait, /failed \(ECONNRESET\)/);
  });
});

describe('withTimeout', () => {
  it('passes a result or rejection through', async () => {
    assert.equal(await withTimeout(Promise.resolve(7), 1000), 7);
    await assert.rejects(withTimeout(Promise.reject(new Error('no')), 1000), /no/);
  });

  it('rejects with TimeoutError naming what it waited for', async () => {
    await assert.rejects(withTimeout(new Promise(() => {}), 5, 'the moon'), (err: Error) => {
      assert.ok(err instanceof TimeoutError);
      assert.match(err.message, /timed out after 5 ms waiting for the moon/);
      return true;
    });
  });
});
