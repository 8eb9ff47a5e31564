/**
 * Constants and rules of the zip container shared by the session writer and reader
 * (PKWARE APPNOTE 6.3.10): record signatures, the zip64 markers, DOS timestamps, and which
 * entry names are safe to unpack.
 */

export const SIG_LOCAL = 0x04034b50;
export const SIG_CENTRAL = 0x02014b50;
export const SIG_DESCRIPTOR = 0x08074b50;
export const SIG_EOCD = 0x06054b50;
export const SIG_EOCD64 = 0x06064b50;
export const SIG_LOCATOR64 = 0x07064b50;

/** Header id of the zip64 extended-information extra field (APPNOTE §4.5.3). */
export const ZIP64_EXTRA = 0x0001;
/** A 32-bit size or offset field that says "see the zip64 field". */
export const U32_MARK = 0xffffffff;
/** A 16-bit count field that says "see the zip64 record". */
export const U16_MARK = 0xffff;

/** General-purpose flag bits. */
export const FLAG_ENCRYPTED = 0x0001;
export const FLAG_DESCRIPTOR = 0x0008;
export const FLAG_STRONG_ENCRYPTION = 0x0040;
export const FLAG_UTF8 = 0x0800;

export const METHOD_STORED = 0;
export const METHOD_DEFLATED = 8;

/** Fixed sizes of the records. */
export const LOCAL_SIZE = 30;
export const CENTRAL_SIZE = 46;
export const EOCD_SIZE = 22;
export const EOCD64_SIZE = 56;
export const LOCATOR64_SIZE = 20;

/** The DOS date and time fields (local time, 2-second resolution, years 1980–2107). */
export function dosDateTime(date: Date): { time: number; date: number } {
	const year = Math.min(2107, Math.max(1980, date.getFullYear()));
	const clamped = year !== date.getFullYear();
	return {
		time: clamped ? 0 : (date.getHours() << 11) | (date.getMinutes() << 5) | (date.getSeconds() >> 1),
		date: clamped ? ((year - 1980) << 9) | (1 << 5) | 1 : ((year - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate()
	};
}

/**
 * Why an entry name is unsafe to unpack, or null when it is safe. Safe names are relative,
 * `/`-separated, with no `..`, `.` or empty folders, no drive letters, backslashes or control
 * characters, so no unzip tool can be led to write outside the folder it unpacks into.
 */
export function unsafeNameReason(name: string): string | null {
	if (name.length === 0) return 'has an empty name';
	if (/[\u0000-\u001f\u007f]/.test(name)) return 'has control characters in its name';
	if (/^[A-Za-z]:/.test(name)) return 'is a Windows drive path';
	if (name.startsWith('/')) return 'is an absolute path';
	if (name.includes('\\')) return 'has a backslash in its name, which Windows tools read as a folder separator';
	const parts = name.split('/');
	if (parts.includes('..')) return "climbs out of the session's folder with '..'";
	// A trailing '/' marks a folder entry; other empty or '.' parts are not names a writer makes.
	const inner = name.endsWith('/') ? parts.slice(0, -1) : parts;
	if (inner.some((p) => p === '' || p === '.')) return "has an empty or '.' folder in its path";
	return null;
}
