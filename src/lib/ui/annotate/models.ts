/** Making the built-in model available once, and adding users' model files to the session. */
import { builtinCards, loadBuiltin, loadUserModel } from '$lib/runtime/segment-client';
import { session } from '$lib/store/session.svelte';
import type { ModelEntry } from '$lib/store/types';

let builtin: Promise<void> | null = null;

/** Load the built-in model(s) into the worker (once) and into the session's model list. */
export function ensureBuiltinModels(): Promise<void> {
	builtin ??= (async () => {
		for (const card of await builtinCards()) {
			const summary = await loadBuiltin(card);
			const entry: ModelEntry = {
				id: card.id,
				name: card.name,
				source: 'builtin',
				bytes: null,
				sha256: card.sha256,
				format: summary.source,
				diamMean: summary.diamMean,
				diamLabels: summary.diamLabels,
				nbase: summary.nbase,
				notes: summary.notes,
				card: card as unknown as Record<string, unknown>
			};
			session.models = [entry, ...session.models.filter((m) => m.id !== entry.id)];
		}
		session.modelId ??= session.models[0]?.id ?? null;
	})();
	builtin.catch(() => (builtin = null));
	return builtin;
}

let next = 1;

/** Add a user's `.pth`/`.onnx` file; throws an Error with the file's problem in a sentence. */
export async function addModelFile(file: File): Promise<ModelEntry> {
	return addModelBytes(file.name, new Uint8Array(await file.arrayBuffer()));
}

/** Add model bytes (a file, or a model trained here) to the session and the model picker. */
export async function addModelBytes(name: string, bytes: Uint8Array): Promise<ModelEntry> {
	const file = { name };
	const id = `user-${Date.now().toString(36)}-${next++}`;
	const { model, sha256 } = await loadUserModel(id, file.name, bytes);
	const entry: ModelEntry = {
		id,
		name: file.name,
		source: 'user',
		bytes,
		sha256,
		format: model.source,
		diamMean: model.diamMean,
		diamLabels: model.diamLabels,
		nbase: model.nbase,
		notes: model.notes,
		card: null
	};
	session.addModel(entry);
	session.modelId = id;
	return entry;
}
