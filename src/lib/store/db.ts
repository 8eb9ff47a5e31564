/**
 * The browser database (IndexedDB through idb). One database, three stores:
 * - `sessions`: the sessions list (id, name, times, counts);
 * - `records`: everything of a session under [sessionId, key] — its state JSON ('state'), each
 *   image's original file ('file:<id>'), each mask packed ('mask:<id>'), user models
 *   ('model:<id>'), the undo history ('history');
 * - `meta`: which session was open last.
 * Schema changes go through `upgrade` with the version number (migrations from version 1 on).
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

export const DB_NAME = 'mycol';
export const DB_VERSION = 1;

export interface SessionListItem {
	id: string;
	name: string;
	created: string;
	modified: string;
	images: number;
	cells: number;
}

export interface RecordRow {
	sessionId: string;
	key: string;
	value: unknown;
}

interface MycolDB extends DBSchema {
	sessions: { key: string; value: SessionListItem };
	records: { key: [string, string]; value: RecordRow };
	meta: { key: string; value: { key: string; value: string } };
}

let db: Promise<IDBPDatabase<MycolDB>> | null = null;

export function database(): Promise<IDBPDatabase<MycolDB>> {
	db ??= openDB<MycolDB>(DB_NAME, DB_VERSION, {
		upgrade(d, oldVersion) {
			// Version 1: the first schema. Later versions add steps here, keyed on oldVersion.
			if (oldVersion < 1) {
				d.createObjectStore('sessions', { keyPath: 'id' });
				d.createObjectStore('records', { keyPath: ['sessionId', 'key'] });
				d.createObjectStore('meta', { keyPath: 'key' });
			}
		},
		blocking() {
			// Another tab wants a newer schema: let it, and reopen on next use.
			void db?.then((d) => d.close());
			db = null;
		}
	});
	return db;
}

/** All records of one session, as a key range over [sessionId, …]. */
export function sessionRange(sessionId: string): IDBKeyRange {
	return IDBKeyRange.bound([sessionId, ''], [sessionId, '\uffff']);
}

export async function listSessions(): Promise<SessionListItem[]> {
	const all = await (await database()).getAll('sessions');
	return all.sort((a, b) => b.modified.localeCompare(a.modified));
}

export async function lastSessionId(): Promise<string | null> {
	return (await (await database()).get('meta', 'lastSessionId'))?.value ?? null;
}

export async function setLastSessionId(id: string): Promise<void> {
	await (await database()).put('meta', { key: 'lastSessionId', value: id });
}

export async function getRecord<T>(sessionId: string, key: string): Promise<T | undefined> {
	return (await (await database()).get('records', [sessionId, key]))?.value as T | undefined;
}

export async function deleteSession(id: string): Promise<void> {
	const d = await database();
	const tx = d.transaction(['sessions', 'records'], 'readwrite');
	await Promise.all([tx.objectStore('sessions').delete(id), tx.objectStore('records').delete(sessionRange(id)), tx.done]);
}

export async function renameSession(id: string, name: string): Promise<void> {
	const d = await database();
	const tx = d.transaction('sessions', 'readwrite');
	const item = await tx.store.get(id);
	if (item) await tx.store.put({ ...item, name });
	await tx.done;
}

/** Copy every record of a session under a new id and name. */
export async function duplicateSession(id: string, newId: string, name: string): Promise<void> {
	const d = await database();
	const tx = d.transaction(['sessions', 'records'], 'readwrite');
	const item = await tx.objectStore('sessions').get(id);
	if (!item) throw new Error('that session no longer exists');
	const now = new Date().toISOString();
	await tx.objectStore('sessions').put({ ...item, id: newId, name, created: now, modified: now });
	let cursor = await tx.objectStore('records').openCursor(sessionRange(id));
	while (cursor) {
		const row = cursor.value;
		const value = row.key === 'state' ? { ...(row.value as object), id: newId, name } : row.value;
		await tx.objectStore('records').put({ sessionId: newId, key: row.key, value });
		cursor = await cursor.continue();
	}
	await tx.done;
}

/**
 * Write several records and the list entry in ONE transaction: either all of an autosave lands
 * or none of it (a quota error or a crash never leaves half a session).
 */
export async function writeSession(item: SessionListItem, puts: RecordRow[], deletes: string[]): Promise<void> {
	const d = await database();
	const tx = d.transaction(['sessions', 'records'], 'readwrite');
	const records = tx.objectStore('records');
	const work: Promise<unknown>[] = [tx.objectStore('sessions').put(item)];
	for (const row of puts) work.push(records.put(row));
	for (const key of deletes) work.push(records.delete([item.id, key]));
	await Promise.all([...work, tx.done]);
}

/** Keys of a session's records (no values loaded). */
export async function recordKeys(sessionId: string): Promise<string[]> {
	const keys = await (await database()).getAllKeys('records', sessionRange(sessionId));
	return keys.map((k) => k[1]);
}
