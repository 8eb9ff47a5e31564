/**
 * Gamma function, its logarithm and the regularised incomplete gamma functions P(a, x) and
 * Q(a, x), for the chi-square p-value of the Kruskal–Wallis test (SciPy's `chi2.sf(h, df)`, which
 * is Cephes `igamc(df/2, h/2)`). Series for x < a + 1, continued fraction above (Numerical Recipes
 * `gser`/`gcf`), with the prefactor xᵃe⁻ˣ/Γ(a) computed without logarithms where it cannot overflow,
 * so the relative error stays near 1e-15 for the moderate a that chi-square with few groups needs.
 */
import { ParamError } from '../../formats/errors';

const EPS = 2.220446049250313e-16;
const HALF_LOG_2PI = 0.9189385332046728; // ½·ln(2π)
const SQRT_2PI = 2.5066282746310002;
/** Stirling's series is used from here up; below, the argument is shifted up by recurrence. */
const STIRLING_FROM = 15;

/** Σ B₂ₖ/(2k(2k−1)x^(2k−1)), the correction in Stirling's series (error < 1e-17 for x ≥ 15). */
function stirlingCorrection(x: number): number {
	const r = 1 / x;
	const r2 = r * r;
	return (
		r *
		(1 / 12 +
			r2 *
				(-1 / 360 +
					r2 * (1 / 1260 + r2 * (-1 / 1680 + r2 * (1 / 1188 + r2 * (-691 / 360360 + r2 * (1 / 156)))))))
	);
}

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
	if (!(x > 0)) return NaN;
	if (x === Infinity) return Infinity;
	let shift = 1;
	while (x < STIRLING_FROM) {
		shift *= x;
		x += 1;
	}
	const stirling = (x - 0.5) * Math.log(x) - x + HALF_LOG_2PI + stirlingCorrection(x);
	return shift === 1 ? stirling : stirling - Math.log(shift);
}

/** Γ(x) for x > 0, to a few ulp while it fits a double (x < ~171.6). */
export function gammaFunction(x: number): number {
	if (!(x > 0)) return NaN;
	if (x > 171.7) return Infinity;
	let shift = 1;
	while (x < STIRLING_FROM) {
		shift *= x;
		x += 1;
	}
	// √(2π)·x^(x−½)·e⁻ˣ·e^(correction), the power split in two so it cannot overflow before e⁻ˣ.
	const half = Math.pow(x, 0.5 * (x - 0.5));
	return ((SQRT_2PI * half * Math.exp(-x)) * half * Math.exp(stirlingCorrection(x))) / shift;
}

/** xᵃe⁻ˣ/Γ(a), the factor shared by the series and the continued fraction. */
function prefactor(a: number, x: number): number {
	const logPow = a * Math.log(x);
	if (a < 150 && x < 700 && Math.abs(logPow) < 700) return (Math.pow(x, a) * Math.exp(-x)) / gammaFunction(a);
	return Math.exp(logPow - x - logGamma(a));
}

/** Σ xⁿ/((a+1)…(a+n)) / a, so that P(a, x) = prefactor · series (for x < a + 1). */
function lowerSeries(a: number, x: number): number {
	let ap = a;
	let del = 1 / a;
	let sum = del;
	for (let n = 0; n < 100000; n++) {
		ap += 1;
		del *= x / ap;
		sum += del;
		if (Math.abs(del) <= Math.abs(sum) * EPS * 0.25) break;
	}
	return sum;
}

/** The continued fraction with Q(a, x) = prefactor · fraction (for x ≥ a + 1), modified Lentz. */
function upperFraction(a: number, x: number): number {
	const tiny = 1e-300;
	let b = x + 1 - a;
	let c = 1 / tiny;
	let d = 1 / b;
	let h = d;
	for (let i = 1; i < 100000; i++) {
		const an = -i * (i - a);
		b += 2;
		d = an * d + b;
		if (Math.abs(d) < tiny) d = tiny;
		c = b + an / c;
		if (Math.abs(c) < tiny) c = tiny;
		d = 1 / d;
		const del = d * c;
		h *= del;
		if (Math.abs(del - 1) <= EPS) break;
	}
	return h;
}

function checkShape(a: number): void {
	if (!(a > 0) || !Number.isFinite(a)) throw new ParamError(undefined, `the incomplete gamma function needs a positive shape, not ${a}`);
}

/** Regularised lower incomplete gamma P(a, x) = γ(a, x)/Γ(a); 0 for x ≤ 0. */
export function regularizedGammaP(a: number, x: number): number {
	checkShape(a);
	if (Number.isNaN(x)) return NaN;
	if (x <= 0) return 0;
	if (x === Infinity) return 1;
	if (x < a + 1) return prefactor(a, x) * lowerSeries(a, x);
	return 1 - prefactor(a, x) * upperFraction(a, x);
}

/** Regularised upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a) = 1 − P(a, x); 1 for x ≤ 0. */
export function regularizedGammaQ(a: number, x: number): number {
	checkShape(a);
	if (Number.isNaN(x)) return NaN;
	if (x <= 0) return 1;
	if (x === Infinity) return 0;
	if (x < a + 1) return 1 - prefactor(a, x) * lowerSeries(a, x);
	return prefactor(a, x) * upperFraction(a, x);
}

/**
 * Survival function of the chi-square distribution with `df` degrees of freedom, as SciPy
 * `chi2.sf(x, df)`: Q(df/2, x/2), and 1 for x ≤ 0 (a tie-corrected H can come out a hair below 0).
 */
export function chiSquareSf(x: number, df: number): number {
	if (!(df > 0)) throw new ParamError(undefined, `the chi-square distribution needs positive degrees of freedom, not ${df}`);
	return regularizedGammaQ(df / 2, x / 2);
}
