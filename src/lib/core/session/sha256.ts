/**
 * SHA-256 (FIPS 180-4) in plain TypeScript, incremental. The browser's `crypto.subtle.digest` is
 * async, one-shot and absent in some worker and Node setups; this one is synchronous, streams, and
 * keeps the core free of platform APIs. Works on 32-bit words in an Int32Array schedule, no
 * allocation per block.
 */

const K = new Int32Array([
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
	0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
	0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
]);

const H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/** An incremental SHA-256: `update` any number of times, then `digest` once. */
export class Sha256 {
	private readonly h = new Int32Array(H0);
	private readonly w = new Int32Array(64);
	/** A partial block waiting for more bytes. */
	private readonly buf = new Uint8Array(64);
	private bufLen = 0;
	/** Total bytes hashed (a double: exact up to 2^53). */
	private total = 0;
	private done = false;

	update(data: Uint8Array): this {
		if (this.done) throw new Error('Sha256: update after digest');
		let pos = 0;
		const n = data.length;
		this.total += n;
		if (this.bufLen > 0) {
			const take = Math.min(64 - this.bufLen, n);
			this.buf.set(data.subarray(0, take), this.bufLen);
			this.bufLen += take;
			pos = take;
			if (this.bufLen < 64) return this;
			compressAll(this.h, this.w, this.buf, 0, 64);
			this.bufLen = 0;
		}
		const whole = pos + ((n - pos) & ~63);
		if (whole > pos) compressAll(this.h, this.w, data, pos, whole);
		if (whole < n) {
			this.buf.set(data.subarray(whole), 0);
			this.bufLen = n - whole;
		}
		return this;
	}

	/** The 32-byte digest. */
	digest(): Uint8Array {
		if (this.done) throw new Error('Sha256: digest called twice');
		this.done = true;
		const bits = this.total * 8;
		const pad = new Uint8Array(this.bufLen < 56 ? 64 : 128);
		pad.set(this.buf.subarray(0, this.bufLen));
		pad[this.bufLen] = 0x80;
		const view = new DataView(pad.buffer);
		view.setUint32(pad.length - 8, Math.floor(bits / 2 ** 32));
		view.setUint32(pad.length - 4, bits >>> 0);
		compressAll(this.h, this.w, pad, 0, pad.length);
		const out = new Uint8Array(32);
		const ov = new DataView(out.buffer);
		for (let i = 0; i < 8; i++) ov.setInt32(i * 4, this.h[i]);
		return out;
	}
}

/** Bytes per call of `compress`: short calls let V8 optimise it early instead of on-stack. */
const SLICE = 1 << 16;

/** Compress the 64-byte blocks of `d[start, end)` into the state `h`, in slices. */
function compressAll(h: Int32Array, w: Int32Array, d: Uint8Array, start: number, end: number): void {
	const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
	for (let p = start; p < end; p += SLICE) compress(h, w, view, p, Math.min(end, p + SLICE));
}

/** FIPS 180-4 §6.2.2 on each 64-byte block of `view[start, end)`. */
function compress(h: Int32Array, w: Int32Array, view: DataView, start: number, end: number): void {
	let h0 = h[0], h1 = h[1], h2 = h[2], h3 = h[3], h4 = h[4], h5 = h[5], h6 = h[6], h7 = h[7];
	for (let p = start; p < end; p += 64) {
		for (let i = 0; i < 16; i++) w[i] = view.getInt32(p + (i << 2));
		for (let i = 16; i < 64; i++) {
			const x = w[i - 15];
			const y = w[i - 2];
			const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
			const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
			w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
		}
		let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, hh = h7;
		for (let i = 0; i < 64; i++) {
			const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
			const ch = g ^ (e & (f ^ g));
			const t1 = (hh + S1 + ch + K[i] + w[i]) | 0;
			const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
			const maj = (a & b) | (c & (a | b));
			const t2 = (S0 + maj) | 0;
			hh = g;
			g = f;
			f = e;
			e = (d + t1) | 0;
			d = c;
			c = b;
			b = a;
			a = (t1 + t2) | 0;
		}
		h0 = (h0 + a) | 0;
		h1 = (h1 + b) | 0;
		h2 = (h2 + c) | 0;
		h3 = (h3 + d) | 0;
		h4 = (h4 + e) | 0;
		h5 = (h5 + f) | 0;
		h6 = (h6 + g) | 0;
		h7 = (h7 + hh) | 0;
	}
	h[0] = h0;
	h[1] = h1;
	h[2] = h2;
	h[3] = h3;
	h[4] = h4;
	h[5] = h5;
	h[6] = h6;
	h[7] = h7;
}

/** Lower-case hex of bytes. */
export function toHex(bytes: Uint8Array): string {
	let s = '';
	for (let i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
	return s;
}

/** SHA-256 of bytes as 64 lower-case hex digits. */
export function sha256Hex(data: Uint8Array): string {
	return toHex(new Sha256().update(data).digest());
}
