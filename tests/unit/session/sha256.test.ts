// SHA-256 against the FIPS 180-2 / NIST CSRC example vectors, and against Node's OpenSSL hash for
// every length around the padding boundaries and for data given in uneven pieces.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sha256, sha256Hex } from '../../../src/lib/core/session';
import { crc32 } from '../../../src/lib/core/session/crc32';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { noise } from './fixtures';

const ascii = (s: string) => new TextEncoder().encode(s);
const node = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('sha256', () => {
	it('matches the NIST vectors', () => {
		// FIPS 180-2 Appendix B.1, B.2, B.3.
		expect(sha256Hex(ascii('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
		expect(sha256Hex(ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))).toBe(
			'248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'
		);
		expect(sha256Hex(new Uint8Array(1_000_000).fill(0x61))).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
		// The empty message (NIST CSRC example values).
		expect(sha256Hex(new Uint8Array(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
	});

	it('matches OpenSSL at every length from 0 to 200 bytes (all padding cases)', () => {
		const data = noise(200, 11);
		for (let n = 0; n <= 200; n++) expect(sha256Hex(data.subarray(0, n)), `length ${n}`).toBe(node(data.subarray(0, n)));
	});

	it('gives the same digest fed in uneven pieces, including from offset views', () => {
		const data = noise(300_001, 5);
		const h = new Sha256();
		const sizes = [1, 63, 64, 65, 0, 127, 4096, 100_000, 55, 56, 57];
		let p = 0;
		for (let k = 0; p < data.length; k++) {
			const n = Math.min(sizes[k % sizes.length], data.length - p);
			h.update(data.subarray(p, p + n));
			p += n;
		}
		expect(Array.from(h.digest(), (b) => b.toString(16).padStart(2, '0')).join('')).toBe(node(data));
	});

	it('refuses to be used after its digest', () => {
		const h = new Sha256().update(ascii('x'));
		h.digest();
		expect(() => h.update(ascii('y'))).toThrow();
	});
});

describe('crc32', () => {
	it('gives the standard check value and zlib’s CRC, also when continued', () => {
		expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
		expect(crc32(new Uint8Array(0))).toBe(0);
		const data = noise(100_003, 2);
		for (const n of [0, 1, 7, 8, 9, 1000, 100_003]) expect(crc32(data.subarray(0, n))).toBe(zlibCrc32(data.subarray(0, n)));
		expect(crc32(data.subarray(50_001), crc32(data.subarray(0, 50_001)))).toBe(zlibCrc32(data));
	});
});
