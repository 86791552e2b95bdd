/**
 * Seeded randomness: the same seed gives the same draws (tests, the simulator, benchmarks), and a Beta draw for
 * Thompson sampling. Hand-written on purpose: @stdlib/random-base-beta, the kept library that does this, brings 24
 * packages and a random generator of its own into the scheduler's bundle for the 30 lines below.
 */

/** A generator of numbers in [0, 1) (mulberry32: 32 bits of state, fast, well spread for simulation). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A standard normal draw (Box-Muller). */
function normal(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** A Gamma(shape, 1) draw (Marsaglia and Tsang, 2000; a shape under 1 boosted by U^(1/shape)). */
function gamma(shape: number, random: () => number): number {
  if (shape < 1) return gamma(shape + 1, random) * (1 - random()) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - random();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** A Beta(alpha, beta) draw: the posterior of a rate after `alpha` successes and `beta` failures (priors included). */
export function betaDraw(random: () => number): (alpha: number, beta: number) => number {
  return (alpha, beta) => {
    const x = gamma(alpha, random);
    const y = gamma(beta, random);
    return x / (x + y);
  };
}
