/** A small argument parser: positionals plus `--name value` / `--flag` options. */
import { ParamError } from '../src/lib/core/formats/errors';

export interface Parsed {
	positional: string[];
	options: Map<string, string | true>;
}

/** Parse argv; `flags` names the options that take no value. */
export function parseArgs(argv: string[], flags: readonly string[] = []): Parsed {
	const positional: string[] = [];
	const options = new Map<string, string | true>();
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a.startsWith('--')) {
			const eq = a.indexOf('=');
			const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
			if (eq > 0) options.set(name, a.slice(eq + 1));
			else if (flags.includes(name)) options.set(name, true);
			else {
				const v = argv[i + 1];
				if (v === undefined || v.startsWith('--')) throw new ParamError(undefined, `the option --${name} needs a value`);
				options.set(name, v);
				i++;
			}
		} else positional.push(a);
	}
	return { positional, options };
}

export function stringOption(p: Parsed, name: string): string | undefined {
	const v = p.options.get(name);
	if (v === true) throw new ParamError(undefined, `the option --${name} needs a value`);
	return v;
}

export function numberOption(p: Parsed, name: string): number | undefined {
	const v = stringOption(p, name);
	if (v === undefined) return undefined;
	const n = Number(v);
	if (!Number.isFinite(n)) throw new ParamError(undefined, `the option --${name} must be a number, not "${v}"`);
	return n;
}

/** Refuse options a command does not know, so typos do not pass silently. */
export function checkKnown(p: Parsed, known: readonly string[]): void {
	for (const name of p.options.keys()) {
		if (!known.includes(name)) throw new ParamError(undefined, `unknown option --${name}`);
	}
}
