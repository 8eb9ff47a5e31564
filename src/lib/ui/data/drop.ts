/** Files from a drop, folders walked recursively (the File System entries API every browser has). */
import type { GivenFile } from './load-files';

type Entry = FileSystemEntry;

function readAllEntries(dir: FileSystemDirectoryEntry): Promise<Entry[]> {
	const reader = dir.createReader();
	const all: Entry[] = [];
	return new Promise((resolve, reject) => {
		// readEntries returns batches (100 in Chromium) until an empty one.
		const next = () =>
			reader.readEntries((batch) => {
				if (batch.length === 0) resolve(all);
				else {
					all.push(...batch);
					next();
				}
			}, reject);
		next();
	});
}

async function walk(entry: Entry, out: GivenFile[]): Promise<void> {
	if (entry.isFile) {
		const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
		out.push({ name: file.name, blob: file });
	} else if (entry.isDirectory) {
		for (const child of await readAllEntries(entry as FileSystemDirectoryEntry)) await walk(child, out);
	}
}

/** Every file in a drop, including those inside dropped folders. */
export async function filesFromDrop(dt: DataTransfer): Promise<GivenFile[]> {
	const out: GivenFile[] = [];
	const entries = Array.from(dt.items)
		.map((item) => (item.kind === 'file' ? item.webkitGetAsEntry() : null))
		.filter((e): e is Entry => e !== null);
	if (entries.length === 0) {
		for (const f of Array.from(dt.files)) out.push({ name: f.name, blob: f });
		return out;
	}
	for (const e of entries) await walk(e, out);
	return out;
}

/** Files from an <input type=file> (with or without webkitdirectory). */
export function filesFromInput(list: FileList | null): GivenFile[] {
	return Array.from(list ?? []).map((f) => ({ name: f.name, blob: f }));
}
