import { describe, expect, it } from 'vitest';
import { checkOptionKeys } from './option-keys.js';

describe('checkOptionKeys', () => {
  const known = new Set(['reusePort', 'backlog']);

  it('accepts known keys and unknown ones whose value is undefined', () => {
    expect(() => checkOptionKeys('m', { reusePort: true, backlog: 5 }, known)).not.toThrow();
    expect(() => checkOptionKeys('m', { other: undefined }, known)).not.toThrow();
  });

  it('names an unknown key, the method and the known keys', () => {
    expect(() => checkOptionKeys('createServer', { reuse: true }, known)).toThrow(
      new TypeError("createServer() got an unknown option 'reuse'; known: reusePort, backlog"),
    );
  });

  it("points a snake_case spelling to the known camelCase option (asyncio's keyword)", () => {
    expect(() => checkOptionKeys('createServer', { reuse_port: true }, known)).toThrow(
      /unknown option 'reuse_port' \(did you mean 'reusePort'\?\)/,
    );
    // No hint when the camelCase form is not an option either.
    expect(() => checkOptionKeys('createServer', { keep_alive: true }, known)).toThrow(
      /unknown option 'keep_alive'; known/,
    );
  });
});
