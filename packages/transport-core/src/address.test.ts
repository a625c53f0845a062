import { describe, expect, it } from 'vitest';
import {
  formatAddress,
  unbracketHost,
  validateHost,
  validateInetAddress,
  validatePath,
  validatePort,
} from './address.js';

describe('validatePort', () => {
  it('accepts integers 0..65535 and returns them', () => {
    for (const port of [0, 1, 80, 8888, 65535]) expect(validatePort(port)).toBe(port);
  });

  it('out of range is a RangeError', () => {
    for (const port of [-1, 65536, 100000, Number.MAX_SAFE_INTEGER]) {
      expect(() => validatePort(port)).toThrow(RangeError);
    }
    expect(() => validatePort(65536)).toThrow('port must be in 0..65535, got 65536');
  });

  it('non-integers and non-numbers are a TypeError', () => {
    for (const port of [
      1.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      '80',
      null,
      undefined,
      [80],
      80n,
    ]) {
      expect(() => validatePort(port)).toThrow(TypeError);
    }
    expect(() => validatePort('80')).toThrow("port must be an integer, not 'string'");
    expect(() => validatePort(1.5)).toThrow('port must be an integer, got 1.5');
  });

  it('names the argument it is given', () => {
    expect(() => validatePort(-1, 'localAddr[1]')).toThrow(/^localAddr\[1\] must be in/);
  });
});

describe('validateHost', () => {
  it('accepts non-empty strings (names, IPv4, IPv6)', () => {
    for (const host of ['localhost', '127.0.0.1', '::1', 'example.com'])
      expect(validateHost(host)).toBe(host);
  });

  it('a non-string or an empty string is a TypeError', () => {
    for (const host of [1, null, undefined, {}, ['127.0.0.1'], '']) {
      expect(() => validateHost(host)).toThrow(TypeError);
    }
    expect(() => validateHost(42)).toThrow("host must be a string, not 'number'");
    expect(() => validateHost('')).toThrow('host must not be empty');
  });
});

describe('validateInetAddress ([host, port] tuple)', () => {
  it('accepts a [host, port] pair and returns it', () => {
    const addr = ['127.0.0.1', 8888] as const;
    expect(validateInetAddress(addr)).toBe(addr);
    expect(validateInetAddress(['::1', 0])).toEqual(['::1', 0]);
  });

  it('not a 2-element array is a TypeError', () => {
    for (const addr of [
      '127.0.0.1:80',
      null,
      undefined,
      {},
      [],
      ['h'],
      ['h', 1, 2],
      { 0: 'h', 1: 1, length: 2 },
    ]) {
      expect(() => validateInetAddress(addr)).toThrow(TypeError);
    }
    expect(() => validateInetAddress('127.0.0.1:80', 'remoteAddr')).toThrow(
      "remoteAddr must be a [host, port] tuple, not 'string'",
    );
  });

  it('checks both elements: a bad host is a TypeError, a bad port a TypeError/RangeError', () => {
    expect(() => validateInetAddress([1, 80])).toThrow(TypeError);
    expect(() => validateInetAddress(['', 80])).toThrow(TypeError);
    expect(() => validateInetAddress(['h', '80'])).toThrow(TypeError);
    expect(() => validateInetAddress(['h', 70000])).toThrow(RangeError);
    expect(() => validateInetAddress(['h', 70000], 'localAddr')).toThrow(
      /^localAddr\[1\] \(port\)/,
    );
  });
});

describe('validatePath (Unix socket path)', () => {
  it('accepts a non-empty string', () => {
    expect(validatePath('/tmp/x.sock')).toBe('/tmp/x.sock');
    expect(validatePath('relative.sock')).toBe('relative.sock');
  });

  it('a non-string or an empty string is a TypeError', () => {
    for (const path of ['', null, undefined, 1, Buffer.from('/tmp/x'), {}]) {
      expect(() => validatePath(path)).toThrow(TypeError);
    }
    expect(() => validatePath(3)).toThrow("path must be a string, not 'number'");
  });
});

describe('formatAddress and unbracketHost', () => {
  it('formats IPv4, IPv6 (bracketed), paths and nothing', () => {
    expect(formatAddress(['127.0.0.1', 80])).toBe('127.0.0.1:80');
    expect(formatAddress(['::1', 443])).toBe('[::1]:443');
    expect(formatAddress('/tmp/s.sock')).toBe('/tmp/s.sock');
    expect(formatAddress(null)).toBe('null');
    expect(formatAddress(undefined)).toBe('null');
  });

  it('strips the brackets of an IPv6 literal only', () => {
    expect(unbracketHost('[::1]')).toBe('::1');
    expect(unbracketHost('::1')).toBe('::1');
    expect(unbracketHost('localhost')).toBe('localhost');
    expect(unbracketHost('[oops')).toBe('[oops');
  });
});
