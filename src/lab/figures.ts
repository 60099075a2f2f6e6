/** Figures as the advice says them: a speedup as 1.7×, a share as 22% (rounded as the tables round). */

export function x(speedup: number): string {
  return `${speedup >= 10 ? speedup.toFixed(0) : speedup.toFixed(1)}×`;
}

export function pct(percent: number): string {
  return `${Math.round(percent)}%`;
}
