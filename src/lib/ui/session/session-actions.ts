/** The sessions list and session files: new, open, rename, duplicate, delete, download, open a zip. */
import { deleteSession, duplicateSession, listSessions, renameSession, type SessionListItem } from '$lib/store/db';
import { history } from '$lib/store/history.svelte';
import { openStored, saveNow } from '$lib/store/persist.svelte';
import { applySessionData, currentSessionData } from '$lib/store/session-file';
import { newSessionId, session } from '$lib/store/session.svelte';
import { ioWorker } from '$lib/runtime/io-client';
import { APP_VERSION } from '$lib/runtime/version';
import { saveBlob } from '$lib/ui/download';

export { listSessions, type SessionListItem };

export async function newSession(): Promise<void> {
	await saveNow();
	session.reset();
	history.clear();
	await saveNow();
}

export async function openSession(id: string): Promise<void> {
	await saveNow();
	if (!(await openStored(id))) throw new Error('that session no longer exists');
}

export async function rename(id: string, name: string): Promise<void> {
	if (id === session.id) {
		session.name = name;
		await saveNow();
	} else await renameSession(id, name);
}

export async function duplicate(item: SessionListItem): Promise<void> {
	if (item.id === session.id) await saveNow();
	await duplicateSession(item.id, newSessionId(), `${item.name} (copy)`);
}

export async function remove(id: string): Promise<void> {
	await deleteSession(id);
	if (id === session.id) {
		session.reset();
		history.clear();
		await saveNow();
	}
}

function fileName(name: string): string {
	return `${name.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '') || 'session'}.mycol.zip`;
}

/** Download the session as a zip (written in the worker, streamed to disk where possible). */
export async function downloadSession(): Promise<void> {
	const blob = await ioWorker().writeSessionFile(currentSessionData(), APP_VERSION);
	saveBlob(fileName(session.name), blob);
}

/**
 * Open a session zip. It is read and checked completely in the worker first; a problem leaves
 * the current session exactly as it was and comes back as a sentence.
 */
export async function openSessionFile(file: File): Promise<string | null> {
	const reply = await ioWorker().readSessionFile(file.name, file);
	if (!reply.ok) return reply.message;
	await saveNow();
	try {
		await applySessionData(reply.data);
	} catch (e) {
		return `${file.name}: ${(e as Error).message}`;
	}
	await saveNow();
	return null;
}

export interface StorageInfo {
	usage: number;
	quota: number;
	persisted: boolean;
}

export async function storageInfo(): Promise<StorageInfo | null> {
	if (!navigator.storage?.estimate) return null;
	const e = await navigator.storage.estimate();
	const persisted = (await navigator.storage.persisted?.()) ?? false;
	return { usage: e.usage ?? 0, quota: e.quota ?? 0, persisted };
}

/** Ask the browser not to evict this site's data under storage pressure. */
export async function requestPersistence(): Promise<boolean> {
	return (await navigator.storage?.persist?.()) ?? false;
}
