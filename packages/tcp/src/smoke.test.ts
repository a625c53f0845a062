import { afterEach, expect, it } from 'vitest';
import { RecordingBufferedProtocol, RecordingProtocol } from '@x/transport-core/testing';
import { Cleanups, makeLoop, rawServer, readBytes } from './test-support.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

it('smoke: echo', async () => {
  const { loop, errors } = makeLoop();
  cleanups.add(() => loop.close());
  const { port, accepted } = await rawServer(cleanups);
  const [t, p] = await loop.createConnection(() => new RecordingProtocol(), '127.0.0.1', port);
  const peer = await accepted();
  t.write(Buffer.from('hello'));
  expect((await readBytes(peer, 5)).toString()).toBe('hello');
  peer.write('world');
  await p.waitBytes(5);
  expect(p.text()).toBe('world');
  peer.end();
  await p.waitLost();
  p.assertGrammar({ complete: true });
  expect(errors).toEqual([]);
  const [t2, p2] = await loop.createConnection(() => new RecordingBufferedProtocol(), '127.0.0.1', port);
  const peer2 = await accepted();
  peer2.write('abcdef');
  await p2.waitBytes(6);
  expect(p2.text()).toBe('abcdef');
  t2.close();
  await p2.waitLost();
  p2.assertGrammar({ complete: true });
});
