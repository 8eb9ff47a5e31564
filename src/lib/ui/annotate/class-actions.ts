/** Creating, renaming, recolouring, reordering and deleting classes — each one undoable step. */
import { history } from '$lib/store/history.svelte';
import { session } from '$lib/store/session.svelte';
import type { CellClass } from '$lib/store/types';
import { OKABE_ITO } from '$lib/ui/viewer/palette';

function cellsSnapshot(): [string, [number, string][]][] {
	return session.images.map((im) => [im.id, [...im.cellClasses]]);
}

function change(label: string, after: CellClass[], dropClass?: string): void {
	const before = session.classes;
	const cellsBefore = cellsSnapshot();
	session.classes = after;
	if (dropClass) {
		// Cells of a deleted class fall back to unlabelled.
		session.images = session.images.map((im) =>
			[...im.cellClasses.values()].includes(dropClass) ? { ...im, cellClasses: new Map([...im.cellClasses].filter(([, c]) => c !== dropClass)) } : im
		);
	}
	history.push({ kind: 'class-list', label, before, after, cellsBefore, cellsAfter: cellsSnapshot() });
}

/** The next colour: the first Okabe–Ito colour (black last) no class uses yet. */
function nextColour(): string {
	const used = new Set(session.classes.map((c) => c.colour.toLowerCase()));
	return OKABE_ITO.find((c) => !used.has(c.toLowerCase())) ?? OKABE_ITO[session.classes.length % OKABE_ITO.length];
}

/** Add a class; a name already taken gets a sentence back instead. */
export function addClass(name: string): string | null {
	const n = name.trim();
	if (!n) return 'give the class a name';
	if (n.toLowerCase() === 'unlabelled') return '“unlabelled” is kept for cells without a class';
	if (session.classes.some((c) => c.name.toLowerCase() === n.toLowerCase())) return `a class named “${n}” already exists`;
	const id = `c-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
	change(`add class ${n}`, [...session.classes, { id, name: n, colour: nextColour() }]);
	return null;
}

export function renameClass(id: string, name: string): string | null {
	const n = name.trim();
	if (!n) return 'a class needs a name';
	if (session.classes.some((c) => c.id !== id && c.name.toLowerCase() === n.toLowerCase())) return `a class named “${n}” already exists`;
	change(`rename class to ${n}`, session.classes.map((c) => (c.id === id ? { ...c, name: n } : c)));
	return null;
}

export function recolourClass(id: string, colour: string): void {
	change('recolour class', session.classes.map((c) => (c.id === id ? { ...c, colour } : c)));
}

export function moveClass(id: string, by: -1 | 1): void {
	const list = [...session.classes];
	const i = list.findIndex((c) => c.id === id);
	const j = i + by;
	if (i < 0 || j < 0 || j >= list.length) return;
	[list[i], list[j]] = [list[j], list[i]];
	change('reorder classes', list);
}

export function deleteClass(id: string): void {
	const c = session.classes.find((x) => x.id === id);
	if (!c) return;
	change(`delete class ${c.name}`, session.classes.filter((x) => x.id !== id), id);
}

/** Cells per class in one image (unlabelled included), in the classes' order. */
export function classCounts(imageId: string): { name: string; colour: string; count: number }[] {
	const im = session.images.find((x) => x.id === imageId);
	if (!im?.mask) return [];
	const counts = new Map<string, number>();
	for (const c of im.cellClasses.values()) counts.set(c, (counts.get(c) ?? 0) + 1);
	const labelled = [...counts.values()].reduce((a, b) => a + b, 0);
	return [
		{ name: 'unlabelled', colour: '#999999', count: Math.max(0, im.mask.cellCount - labelled) },
		...session.classes.map((c) => ({ name: c.name, colour: c.colour, count: counts.get(c.id) ?? 0 }))
	];
}
