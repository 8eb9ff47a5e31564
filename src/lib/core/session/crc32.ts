/**
 * CRC-32 as zip (PKWARE APPNOTE §4.4.7) and zlib compute it: reflected polynomial 0xEDB88320,
 * initial and final XOR 0xFFFFFFFF. Slicing-by-8 tables, so a session's images are checked at
 * memory speed rather than one table look-up per byte.
 */

const TABLES = (() => {
	const t = new Int32Array(8 * 256);
	for (let n = 0; n < 256; n++) {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		t[n] = c;
	}
	for (let n = 0; n < 256; n++) {
		let c = t[n];
		for (let k = 1; k < 8; k++) {
			c = t[c & 255] ^ (c >>> 8);
			t[k * 256 + n] = c;
		}
	}
	return t;
})();

/** Continue a CRC-32 over more bytes: `crc32(b, crc32(a))` equals `crc32(a ++ b)`. Start with 0. */
export function crc32(data: Uint8Array, previous = 0): number {
	const t = TABLES;
	let c = ~previous;
	const n = data.length;
	let i = 0;
	const end8 = n - (n & 7);
	for (; i < end8; i += 8) {
		const lo = c ^ (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24));
		c =
			t[1792 + (lo & 255)] ^
			t[1536 + ((lo >>> 8) & 255)] ^
			t[1280 + ((lo >>> 16) & 255)] ^
			t[1024 + (lo >>> 24)] ^
			t[768 + data[i + 4]] ^
			t[512 + data[i + 5]] ^
			t[256 + data[i + 6]] ^
			t[data[i + 7]];
	}
	for (; i < n; i++) c = t[(c ^ data[i]) & 255] ^ (c >>> 8);
	return ~c >>> 0;
}
