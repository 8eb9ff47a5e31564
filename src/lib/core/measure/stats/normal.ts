/**
 * Normal tail probabilities and erfc, accurate to a few ulp across the whole range, so p-values
 * like 1e-30 keep all their digits (SciPy's `norm.sf` does the same with Cephes `ndtr`).
 *
 * Near zero both use the all-positive series Φ(z) − ½ = φ(z) Σ z^(2n+1)/(2n+1)!!; in the tails a
 * Lentz continued fraction for the Mills ratio (Abramowitz & Stegun 26.2.14 / 7.1.14). The Gaussian
 * factor is evaluated with a split argument so that squaring z costs no precision.
 */

const INV_SQRT_2PI = 0.3989422804014327; // 1/√(2π)
const INV_SQRT_PI = 0.5641895835477563; // 1/√π
const EPS = 2.220446049250313e-16;
/** Below this |z| the series is used; above, the continued fraction (≤ ~180 terms here). */
const SERIES_LIMIT = 1.5;

/**
 * exp(−s·z²) for s = ½ or 1, with z² split as h² + (z−h)(z+h), h = z truncated to 16 fraction
 * bits: h² is exact, so the rounding of z² (relative error growing like z²·ε) disappears.
 */
function gaussianFactor(z: number, s: number): number {
	const h = Math.trunc(z * 65536) / 65536;
	return Math.exp(-s * h * h) * Math.exp(-s * (z - h) * (z + h));
}

/** Σ_{n≥0} zⁿ⁺¹·cⁿ/(1·3·…·(2n+1)) with c the given factor (1 for Φ, 2 for erf). */
function oddSeries(z: number, c: number): number {
	const z2 = c * z * z;
	let term = z;
	let sum = z;
	for (let n = 1; n < 500; n++) {
		term *= z2 / (2 * n + 1);
		sum += term;
		if (Math.abs(term) <= EPS * 0.25 * Math.abs(sum)) break;
	}
	return sum;
}

/** K = z + a₁/(z + a₂/(z + …)) with aₙ = n·step, by modified Lentz; z > 0. */
function millsDenominator(z: number, step: number): number {
	const tiny = 1e-300;
	let f = z;
	let c = z;
	let d = 0;
	for (let n = 1; n < 5000; n++) {
		const a = n * step;
		d = z + a * d;
		if (d === 0) d = tiny;
		c = z + a / c;
		if (c === 0) c = tiny;
		d = 1 / d;
		const delta = c * d;
		f *= delta;
		if (Math.abs(delta - 1) <= EPS) break;
	}
	return f;
}

/** Upper tail of the standard normal, P(Z > z). */
export function normalSf(z: number): number {
	if (Number.isNaN(z)) return NaN;
	if (Math.abs(z) < SERIES_LIMIT) return 0.5 - INV_SQRT_2PI * gaussianFactor(z, 0.5) * oddSeries(z, 1);
	if (z < 0) return 1 - normalSf(-z);
	if (z > 40) return 0; // below the smallest double
	return (INV_SQRT_2PI * gaussianFactor(z, 0.5)) / millsDenominator(z, 1);
}

/** Standard normal CDF, P(Z ≤ z); accurate in the lower tail because it is the upper tail of −z. */
export function normalCdf(z: number): number {
	return normalSf(-z);
}

/** Complementary error function, erfc(x) = 2/√π ∫ₓ^∞ e^(−t²) dt. */
export function erfc(x: number): number {
	if (Number.isNaN(x)) return NaN;
	if (Math.abs(x) < SERIES_LIMIT / Math.SQRT2) {
		return 1 - 2 * INV_SQRT_PI * gaussianFactor(x, 1) * oddSeries(x, 2);
	}
	if (x < 0) return 2 - erfc(-x);
	if (x > 27.3) return 0;
	return (INV_SQRT_PI * gaussianFactor(x, 1)) / millsDenominator(x, 0.5);
}
