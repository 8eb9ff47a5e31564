/**
 * A minimal Protocol Buffers wire-format writer and reader, enough for ONNX `ModelProto`.
 * Written by hand (instead of protobufjs) because we only need a dozen field kinds and want
 * large tensors to travel by reference: a message is a list of byte chunks, and embedding a
 * message or a blob appends its chunks without copying them. Only `finish()` copies, once.
 *
 * Wire types (protobuf encoding spec): 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

const TWO_32 = 2 ** 32;

/** A protobuf message being written. Fields appear in the order they are written. */
export class ProtoWriter {
	private readonly parts: Uint8Array[] = [];
	private scratch = new Uint8Array(256);
	private pos = 0;
	private flushedLength = 0;

	/** Bytes written so far. */
	get length(): number {
		return this.flushedLength + this.pos;
	}

	private ensure(n: number): void {
		if (this.pos + n <= this.scratch.length) return;
		const next = new Uint8Array(Math.max(this.scratch.length * 2, this.pos + n));
		next.set(this.scratch.subarray(0, this.pos));
		this.scratch = next;
	}

	private flush(): void {
		if (this.pos === 0) return;
		this.parts.push(this.scratch.slice(0, this.pos));
		this.flushedLength += this.pos;
		this.pos = 0;
	}

	/** Append a raw unsigned varint (no tag). Accepts numbers up to 2^53 and any uint64/int64 bigint. */
	rawVarint(value: number | bigint): this {
		this.ensure(10);
		if (typeof value === 'number') {
			if (!Number.isInteger(value)) throw new RangeError(`varint must be an integer, got ${value}`);
			if (value < 0) return this.rawVarint(BigInt(value));
			// Split into 32-bit halves so values above 2^31 avoid bitwise-operator overflow.
			let lo = value % TWO_32;
			let hi = (value - lo) / TWO_32;
			while (hi > 0 || lo > 0x7f) {
				this.scratch[this.pos++] = (lo & 0x7f) | 0x80;
				lo = ((lo >>> 7) | ((hi & 0x7f) << 25)) >>> 0;
				hi = hi >>> 7;
			}
			this.scratch[this.pos++] = lo;
			return this;
		}
		// Negative int64 values are written as their 64-bit two's complement (10 bytes).
		let v = BigInt.asUintN(64, value);
		while (v > 0x7fn) {
			this.scratch[this.pos++] = Number(v & 0x7fn) | 0x80;
			v >>= 7n;
		}
		this.scratch[this.pos++] = Number(v);
		return this;
	}

	private tag(field: number, wire: number): void {
		this.rawVarint(field * 8 + wire);
	}

	/** A varint field (int32, int64, uint64, enum, bool). Negative values take 10 bytes, as int64. */
	varint(field: number, value: number | bigint): this {
		this.tag(field, WIRE_VARINT);
		return this.rawVarint(value);
	}

	/** A `float` field (fixed32, little-endian). */
	float32(field: number, value: number): this {
		this.tag(field, WIRE_FIXED32);
		this.ensure(4);
		new DataView(this.scratch.buffer).setFloat32(this.pos, value, true);
		this.pos += 4;
		return this;
	}

	/** A length-delimited field holding `bytes`, kept by reference (do not mutate it afterwards). */
	bytes(field: number, data: Uint8Array): this {
		this.tag(field, WIRE_LEN);
		this.rawVarint(data.length);
		if (data.length <= 64) {
			this.ensure(data.length);
			this.scratch.set(data, this.pos);
			this.pos += data.length;
		} else {
			this.flush();
			this.parts.push(data);
			this.flushedLength += data.length;
		}
		return this;
	}

	/** A UTF-8 string field. */
	string(field: number, value: string): this {
		return this.bytes(field, new TextEncoder().encode(value));
	}

	/** An embedded message field; the child's chunks are shared, not copied. */
	message(field: number, child: ProtoWriter): this {
		this.tag(field, WIRE_LEN);
		this.rawVarint(child.length);
		this.flush();
		child.flush();
		for (const p of child.parts) this.parts.push(p);
		this.flushedLength += child.length;
		return this;
	}

	/** A packed repeated `float` field. */
	packedFloat32(field: number, values: ArrayLike<number>): this {
		const data = new Uint8Array(values.length * 4);
		const view = new DataView(data.buffer);
		for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
		return this.bytes(field, data);
	}

	/** A packed repeated varint field (int64, int32). */
	packedVarint(field: number, values: ArrayLike<number | bigint>): this {
		const inner = new ProtoWriter();
		for (let i = 0; i < values.length; i++) inner.rawVarint(values[i]);
		return this.message(field, inner);
	}

	/** The encoded message as one contiguous array. */
	finish(): Uint8Array {
		this.flush();
		const out = new Uint8Array(this.flushedLength);
		let at = 0;
		for (const p of this.parts) {
			out.set(p, at);
			at += p.length;
		}
		return out;
	}
}

/** Malformed protobuf input. Callers turn it into a user-facing error naming the file. */
export class ProtoDecodeError extends Error {
	override readonly name = 'ProtoDecodeError';
}

/** One field read from a message: its number, wire type and the reader positioned on its value. */
export interface ProtoField {
	field: number;
	wire: number;
}

/**
 * Reads a protobuf message field by field, checking every length against the buffer so hostile
 * input can only produce a `ProtoDecodeError`, never an out-of-bounds read or a huge allocation.
 * Length-delimited values come back as subarrays (no copies).
 */
export class ProtoReader {
	private pos: number;
	private readonly end: number;

	constructor(
		private readonly buf: Uint8Array,
		start = 0,
		end = buf.length
	) {
		this.pos = start;
		this.end = end;
	}

	/** Whether all bytes have been consumed. */
	get done(): boolean {
		return this.pos >= this.end;
	}

	/** The next field's tag, or null at the end of the message. */
	next(): ProtoField | null {
		if (this.pos >= this.end) return null;
		const key = this.varint();
		const wire = key % 8;
		const field = Math.floor(key / 8);
		if (field < 1 || field > 536870911) throw new ProtoDecodeError(`invalid field number ${field}`);
		if (wire !== WIRE_VARINT && wire !== WIRE_FIXED64 && wire !== WIRE_LEN && wire !== WIRE_FIXED32) {
			throw new ProtoDecodeError(`unsupported wire type ${wire} for field ${field}`);
		}
		return { field, wire };
	}

	/** An unsigned varint as a bigint (all 64 bits). */
	varintBig(): bigint {
		let result = 0n;
		let shift = 0n;
		for (let i = 0; i < 10; i++) {
			if (this.pos >= this.end) throw new ProtoDecodeError('the data ends inside a number');
			const b = this.buf[this.pos++];
			result |= BigInt(b & 0x7f) << shift;
			if (b < 0x80) return BigInt.asUintN(64, result);
			shift += 7n;
		}
		throw new ProtoDecodeError('a number is longer than 10 bytes');
	}

	/** A varint as a number; exact below 2^53. Use `int64()` for signed values. */
	varint(): number {
		// Fast path: up to 7 bytes (49 bits) in plain arithmetic.
		let result = 0;
		let mul = 1;
		const start = this.pos;
		for (let i = 0; i < 7; i++) {
			if (this.pos >= this.end) throw new ProtoDecodeError('the data ends inside a number');
			const b = this.buf[this.pos++];
			result += (b & 0x7f) * mul;
			if (b < 0x80) return result;
			mul *= 128;
		}
		this.pos = start;
		return Number(this.varintBig());
	}

	/** A varint read as a signed int64 (two's complement), as a number. */
	int64(): number {
		return Number(BigInt.asIntN(64, this.varintBig()));
	}

	/** The payload of a length-delimited field. */
	bytes(): Uint8Array {
		const n = this.varint();
		if (n > this.end - this.pos) {
			throw new ProtoDecodeError(`a field claims ${n} bytes but only ${this.end - this.pos} remain`);
		}
		const out = this.buf.subarray(this.pos, this.pos + n);
		this.pos += n;
		return out;
	}

	/** A length-delimited field decoded as UTF-8 text. */
	string(): string {
		return new TextDecoder('utf-8', { fatal: false }).decode(this.bytes());
	}

	/** A reader over an embedded message, advancing this reader past it. */
	message(): ProtoReader {
		const n = this.varint();
		if (n > this.end - this.pos) {
			throw new ProtoDecodeError(`a message claims ${n} bytes but only ${this.end - this.pos} remain`);
		}
		const sub = new ProtoReader(this.buf, this.pos, this.pos + n);
		this.pos += n;
		return sub;
	}

	/** A fixed32 field as float32. */
	float32(): number {
		if (this.end - this.pos < 4) throw new ProtoDecodeError('the data ends inside a float');
		const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getFloat32(0, true);
		this.pos += 4;
		return v;
	}

	/** Skip the value of a field of the given wire type. */
	skip(wire: number): void {
		switch (wire) {
			case WIRE_VARINT:
				this.varintBig();
				return;
			case WIRE_FIXED64:
				this.advance(8);
				return;
			case WIRE_FIXED32:
				this.advance(4);
				return;
			case WIRE_LEN:
				this.advance(this.varint());
				return;
			default:
				throw new ProtoDecodeError(`unsupported wire type ${wire}`);
		}
	}

	/** Read a repeated varint field, packed (wire 2) or not (wire 0), appending to `out`. */
	repeatedInt64(wire: number, out: number[]): void {
		if (wire === WIRE_VARINT) {
			out.push(this.int64());
			return;
		}
		if (wire !== WIRE_LEN) throw new ProtoDecodeError(`unexpected wire type ${wire} for a list of integers`);
		const sub = this.message();
		while (!sub.done) out.push(sub.int64());
	}

	private advance(n: number): void {
		if (n > this.end - this.pos) throw new ProtoDecodeError(`a field claims ${n} bytes but only ${this.end - this.pos} remain`);
		this.pos += n;
	}
}
