/**
 * Undo and redo for every edit to masks and classes. Each entry stores only what it changed:
 * label edits keep the dirty rectangle's before/after patches, class changes the cells touched.
 * Whole masks appear only when a mask is replaced (a segmentation or a loaded file). The stack is
 * bounded (entries and bytes); the oldest entries fall off first. It is saved with the session, so
 * undo survives a reload.
 */
import { applyEdit, editBytes, revertEdit, type Edit } from '$lib/core/labels/edit';
import { noteDirty } from '$lib/ui/viewer/dirty';
import { countLabels } from '$lib/core/labels/count';
import { session } from './session.svelte';
import type { CellClass, MaskRecord } from './types';

export type HistoryEntry =
	| { seq: number; kind: 'labels'; label: string; imageId: string; edits: Edit[] }
	| {
			seq: number;
			kind: 'mask';
			label: string;
			imageId: string;
			before: MaskRecord | null;
			after: MaskRecord | null;
			/** The cells' classes go with their mask. */
			classesBefore: [number, string][];
			classesAfter: [number, string][];
	  }
	| { seq: number; kind: 'cell-classes'; label: string; imageId: string; cells: Uint32Array; before: (string | null)[]; after: (string | null)[] }
	| {
			seq: number;
			kind: 'class-list';
			label: string;
			before: CellClass[];
			after: CellClass[];
			/** Cell classes of every image before and after (a deleted class unlabels its cells). */
			cellsBefore: [string, [number, string][]][];
			cellsAfter: [string, [number, string][]][];
	  };

export type NewEntry = HistoryEntry extends infer E ? (E extends HistoryEntry ? Omit<E, 'seq'> : never) : never;

export const HISTORY_LIMITS = { entries: 200, bytes: 256 * 2 ** 20 };

function entryBytes(e: HistoryEntry): number {
	switch (e.kind) {
		case 'labels':
			return e.edits.reduce((n, x) => n + editBytes(x), 64);
		case 'mask':
			return 64 + (e.before?.labels.data.byteLength ?? 0) + (e.after?.labels.data.byteLength ?? 0);
		case 'cell-classes':
			return 64 + e.cells.byteLength + 16 * e.cells.length;
		case 'class-list':
			return 256 + 16 * (e.cellsBefore.length + e.cellsAfter.length);
	}
}

class History {
	undoStack = $state.raw<HistoryEntry[]>([]);
	redoStack = $state.raw<HistoryEntry[]>([]);
	nextSeq = 1;

	get canUndo(): boolean {
		return this.undoStack.length > 0;
	}
	get canRedo(): boolean {
		return this.redoStack.length > 0;
	}

	/** Record an edit that has ALREADY been applied to the session. */
	push(entry: NewEntry): void {
		const full = { ...entry, seq: this.nextSeq++ } as HistoryEntry;
		let stack = [...this.undoStack, full];
		let bytes = stack.reduce((n, e) => n + entryBytes(e), 0);
		while (stack.length > HISTORY_LIMITS.entries || (bytes > HISTORY_LIMITS.bytes && stack.length > 1)) {
			bytes -= entryBytes(stack[0]);
			stack = stack.slice(1);
		}
		this.undoStack = stack;
		this.redoStack = [];
	}

	undo(): string | null {
		const e = this.undoStack.at(-1);
		if (!e || !apply(e, 'revert')) return null;
		this.undoStack = this.undoStack.slice(0, -1);
		this.redoStack = [...this.redoStack, e];
		return e.label;
	}

	redo(): string | null {
		const e = this.redoStack.at(-1);
		if (!e || !apply(e, 'apply')) return null;
		this.redoStack = this.redoStack.slice(0, -1);
		this.undoStack = [...this.undoStack, e];
		return e.label;
	}

	clear(): void {
		this.undoStack = [];
		this.redoStack = [];
	}

	/** Restore saved stacks (after a reload). */
	load(undo: HistoryEntry[], redo: HistoryEntry[]): void {
		this.undoStack = undo;
		this.redoStack = redo;
		this.nextSeq = Math.max(0, ...undo.map((e) => e.seq), ...redo.map((e) => e.seq)) + 1;
	}
}

/** A fresh mask record after its labels changed in place, so views and autosave see the change. */
export function touchedMask(mask: MaskRecord, editsDelta: number): MaskRecord {
	return { ...mask, cellCount: countLabels(mask.labels.data), editCount: (mask.editCount ?? 0) + editsDelta, version: (mask.version ?? 0) + 1 };
}

function apply(e: HistoryEntry, how: 'apply' | 'revert'): boolean {
	switch (e.kind) {
		case 'labels': {
			const im = session.images.find((x) => x.id === e.imageId);
			if (!im?.mask) return false;
			const list = how === 'apply' ? e.edits : [...e.edits].reverse();
			for (const ed of list) {
				(how === 'apply' ? applyEdit : revertEdit)(im.mask.labels, ed);
				noteDirty(im.mask.labels.data, ed.rect);
			}
			session.updateImage(im.id, { mask: touchedMask(im.mask, how === 'apply' ? 1 : -1) });
			return true;
		}
		case 'mask': {
			if (!session.images.some((x) => x.id === e.imageId)) return false;
			const target = how === 'apply' ? e.after : e.before;
			session.updateImage(e.imageId, { mask: target, cellClasses: new Map(how === 'apply' ? e.classesAfter : e.classesBefore) });
			return true;
		}
		case 'cell-classes': {
			const im = session.images.find((x) => x.id === e.imageId);
			if (!im) return false;
			const values = how === 'apply' ? e.after : e.before;
			const next = new Map(im.cellClasses);
			e.cells.forEach((cell, k) => {
				const v = values[k];
				if (v === null) next.delete(cell);
				else next.set(cell, v);
			});
			session.updateImage(im.id, { cellClasses: next });
			return true;
		}
		case 'class-list': {
			session.classes = how === 'apply' ? e.after : e.before;
			const cells = new Map(how === 'apply' ? e.cellsAfter : e.cellsBefore);
			session.images = session.images.map((im) => (cells.has(im.id) ? { ...im, cellClasses: new Map(cells.get(im.id)) } : im));
			return true;
		}
	}
}

export const history = new History();

/** Replace an image's mask (segmentation, a loaded file) as one undoable step. */
export function replaceMask(imageId: string, mask: MaskRecord | null, label: string): void {
	const im = session.images.find((x) => x.id === imageId);
	if (!im) return;
	const before = im.mask;
	const classesBefore = [...im.cellClasses];
	session.setMask(imageId, mask);
	history.push({ kind: 'mask', label, imageId, before, after: mask, classesBefore, classesAfter: [] });
}
