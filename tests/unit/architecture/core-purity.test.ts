// The core is pure: the page, the workers, the CLI and the tests all run the same code, so it
// may not reach into the shells, the DOM, Node or the network.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../shared';

function sources(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const p = join(dir, name);
		return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
	});
}

const coreDir = join(projectRoot, 'src/lib/core');
const files = sources(coreDir);

/** Import specifiers of a TypeScript file (static and dynamic). */
function imports(text: string): string[] {
	const out: string[] = [];
	for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1] ?? m[2]);
	return out;
}

describe('src/lib/core stays pure', () => {
	it('has source files to check', () => {
		expect(files.length).toBeGreaterThan(10);
	});

	it('imports only core files and allowed packages', () => {
		const allowedPackages = ['fflate', 'upng-js', 'jpeg-js', 'jszip'];
		const bad: string[] = [];
		for (const f of files) {
			for (const spec of imports(readFileSync(f, 'utf8'))) {
				if (spec.startsWith('.')) {
					const target = relative(coreDir, join(f, '..', spec));
					if (target.startsWith('..')) bad.push(`${relative(projectRoot, f)} imports ${spec} (outside core)`);
				} else if (!allowedPackages.includes(spec)) {
					bad.push(`${relative(projectRoot, f)} imports ${spec}`);
				}
			}
		}
		expect(bad).toEqual([]);
	});

	it('uses no DOM, storage or network globals', () => {
		const bad: string[] = [];
		const globals = /\b(document|window|localStorage|sessionStorage|indexedDB|navigator|fetch|XMLHttpRequest|process|Buffer|require)\s*[.(]/;
		for (const f of files) {
			readFileSync(f, 'utf8')
				.split('\n')
				.forEach((line, k) => {
					// Comments may say "fetch" or "window": only code counts.
					const code = line.replace(/\/\*.*?\*\//g, '').replace(/\/\/.*$/, '').replace(/^\s*(\/\*\*?|\*).*$/, '');
					if (globals.test(code)) bad.push(`${relative(projectRoot, f)}:${k + 1}: ${line.trim()}`);
				});
		}
		expect(bad).toEqual([]);
	});
});
