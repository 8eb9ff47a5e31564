/**
 * Loading a `.pth` with real PyTorch (Debian's /usr/bin/python3 + python3-torch, which CI installs)
 * through torch-reference/load_check.py, for the unit and CLI tests. A missing torch fails the
 * calling test with the reason; nothing is skipped.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const SCRIPT = resolve(import.meta.dirname, 'torch-reference/load_check.py');

export interface TorchView {
	type: string;
	keys: string[];
	shapes: Record<string, number[]>;
	dtypes: Record<string, string>;
	stats: Record<string, [number, number]>;
	counts: Record<string, number>;
	nbase: number[];
	strict: boolean;
	diam_mean: number;
	diam_labels: number;
}

/** Run load_check.py; a missing python3-torch fails the test with the reason. */
export function torchLoad(pth: string, input?: string, output?: string): TorchView {
	const r = spawnSync('/usr/bin/python3', [SCRIPT, pth, ...(input && output ? [input, output] : [])], { encoding: 'utf8', timeout: 120_000 });
	if (r.status !== 0) throw new Error(`python3 with torch could not load ${pth} (is Debian's python3-torch installed?): ${r.stderr || r.error}`);
	return JSON.parse(r.stdout) as TorchView;
}

