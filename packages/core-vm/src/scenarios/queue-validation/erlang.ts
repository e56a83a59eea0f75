/**
 * Analytic M/M/c results (Erlang C), the yardstick the kernel is validated
 * against. a = λ/μ is the offered load in Erlangs; ρ = a/c the utilization.
 */

/** Erlang C: the probability that an arriving customer must wait, for c servers and offered load a < c. */
export function erlangC(c: number, a: number): number {
  // Sum a^k/k! iteratively to stay in floating-point range.
  let term = 1;
  let sum = 1;
  for (let k = 1; k < c; k++) {
    term *= a / k;
    sum += term;
  }
  const last = ((term * a) / c) * (c / (c - a));
  return last / (sum + last);
}

/** Mean response (sojourn) time of M/M/c: W = C(c, a) / (cμ − λ) + 1/μ. */
export function mmcMeanResponse(c: number, lambda: number, mu: number): number {
  const a = lambda / mu;
  return erlangC(c, a) / (c * mu - lambda) + 1 / mu;
}

/**
 * Customers needed so the sample mean response time has relative standard
 * error `relErr`, from the asymptotic variance of the M/M/1 waiting time
 * (Daley 1968; Whitt 1989): n·Var(W̄) ≈ ρ(2 + 5ρ − 4ρ² + ρ³) / (μ²(1 − ρ)⁴),
 * plus the service time's own variance. For c > 1 servers at the same ρ the
 * true variance is smaller, so this is a conservative size.
 */
export function customersForPrecision(rho: number, relErr: number): number {
  const varWaitTimesN = (rho * (2 + 5 * rho - 4 * rho * rho + rho ** 3)) / (1 - rho) ** 4;
  const meanResponse = 1 / (1 - rho); // in units of 1/μ
  return Math.ceil((varWaitTimesN + 1) / (relErr * relErr * meanResponse * meanResponse));
}
